/* Settings → Leads: rule order by drag and drop, the condition editor, and the fields an
   assignment rule's action needs. Every page works without it: Up/Down buttons, server-side
   "Add condition" / "Remove", and all three targets shown. No inline scripts (CSP). */
(function () {
  "use strict";

  /* --- Order of the assignment rules ------------------------------------------------------ */
  var lastDrop = null; // the drag the server has not confirmed yet
  var refocus = null; // the Up/Down button to focus again once the list is redrawn

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    if (ref === evt.item) return;
    evt.from.insertBefore(evt.item, evt.oldIndex > evt.newIndex ? ref && ref.nextSibling : ref);
  }

  function send(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function initRuleOrder(root) {
    root.querySelectorAll("form[data-rule-order]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      form.addEventListener("click", function (e) {
        var button = e.target.closest("button[name=up], button[name=down]");
        if (button) refocus = {name: button.name, value: button.value};
      });
      var body = form.querySelector("[data-sortable-rules]");
      if (!body || typeof window.Sortable === "undefined") return;
      var hint = form.querySelector("[data-drag-hint]");
      if (hint) hint.hidden = false;
      body.querySelectorAll("[data-drag-handle]").forEach(function (handle) {
        handle.hidden = false;
        handle.parentNode.style.cursor = "grab";
      });
      window.Sortable.create(body, {
        handle: "td:first-child",
        animation: 120,
        onStart: function (evt) { evt.item.style.opacity = "0.5"; },
        onEnd: function (evt) {
          evt.item.style.opacity = "";
          if (evt.oldIndex === evt.newIndex) return;
          lastDrop = evt;
          refocus = null;
          send(form); // the hidden "order" inputs are now in the new order
        },
      });
    });
  }

  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-rule-order]")) return;
    if (!e.detail.successful && lastDrop) putBack(lastDrop);
    lastDrop = null;
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    init(e.target);
    if (!refocus) return;
    var same = e.target.querySelector(
      "button[name=" + refocus.name + "][value='" + refocus.value + "']"
    );
    var other = e.target.querySelector(
      "button[name=" + (refocus.name === "up" ? "down" : "up") + "][value='" + refocus.value + "']"
    );
    var target = same && !same.disabled ? same : other;
    if (target) target.focus();
    refocus = null;
  });

  /* --- Condition editor ------------------------------------------------------------------- */
  function syncRow(box, row) {
    var field = row.querySelector("[data-cond-field]").value;
    var op = row.querySelector("[data-cond-op]").value;
    var value = row.querySelector("[data-cond-value]");
    var valueless = (box.dataset.valueless || "").split(" ").indexOf(op) !== -1;
    if (document.getElementById("cond-values-" + field)) {
      value.setAttribute("list", "cond-values-" + field);
    } else {
      value.removeAttribute("list");
    }
    value.readOnly = valueless;
    if (valueless) value.value = "";
    value.inputMode = op === "gte" || op === "lte" ? "decimal" : "text";
  }

  function initConditions(root) {
    root.querySelectorAll("[data-conditions]").forEach(function (box) {
      if (box.dataset.ready) return;
      box.dataset.ready = "1";
      var rows = box.querySelector("[data-condition-rows]");
      var template = box.querySelector("template[data-condition-template]");
      var add = box.querySelector("[data-add-condition]");
      rows.querySelectorAll("[data-condition-row]").forEach(function (row) { syncRow(box, row); });

      box.addEventListener("click", function (e) {
        if (e.target.closest("[data-add-condition]")) {
          e.preventDefault();
          var row = template.content.querySelector("[data-condition-row]").cloneNode(true);
          rows.appendChild(row);
          syncRow(box, row);
          row.querySelector("[data-cond-field]").focus();
          return;
        }
        var remove = e.target.closest("[data-remove-condition]");
        if (!remove) return;
        e.preventDefault();
        var current = remove.closest("[data-condition-row]");
        if (rows.querySelectorAll("[data-condition-row]").length > 1) {
          current.remove();
          if (add) add.focus();
        } else {
          // Keep one (blank) row to fill in; a blank row is not saved.
          current.querySelector("[data-cond-field]").value = "";
          current.querySelector("[data-cond-value]").value = "";
          syncRow(box, current);
          current.querySelector("[data-cond-field]").focus();
        }
      });

      box.addEventListener("change", function (e) {
        var row = e.target.closest("[data-condition-row]");
        if (row && e.target.matches("[data-cond-field], [data-cond-op]")) syncRow(box, row);
      });
    });
  }

  /* --- An assignment rule's target: a user, a team or a pool ------------------------------ */
  function initActionTargets(root) {
    root.querySelectorAll("form[data-rule-form]").forEach(function (form) {
      if (form.dataset.ready) return;
      form.dataset.ready = "1";
      var action = form.querySelector("select[name=action]");
      if (!action) return;
      function sync() {
        form.querySelectorAll("[data-action-target]").forEach(function (wrap) {
          var uses = (wrap.dataset.actions || "").split(" ").indexOf(action.value) !== -1;
          // A field with an error stays visible so the message can be read.
          wrap.hidden = !uses && !wrap.querySelector(".has-error");
        });
      }
      action.addEventListener("change", sync);
      sync();
    });
  }

  function init(root) {
    if (!root || !root.querySelectorAll) return;
    initRuleOrder(root);
    initConditions(root);
    initActionTargets(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
