/* guanxi: the little behaviour the server-rendered pages need. No inline scripts (CSP). */
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  /* --- Toasts ------------------------------------------------------------------------- */
  function dismissLater(el) {
    if (!el.classList.contains("toast-error")) {
      window.setTimeout(function () { el.remove(); }, 6000);
    }
  }

  function toast(message, level) {
    var box = document.getElementById("toasts");
    var tpl = document.getElementById("toast-template");
    if (!box || !tpl || !message) return;
    var el = tpl.content.firstElementChild.cloneNode(true);
    el.className = "toast toast-" + (level || "info");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.querySelector(".toast-text").textContent = message;
    box.appendChild(el);
    dismissLater(el);
  }
  window.guanxiToast = toast;

  function progress(on) {
    var bar = document.getElementById("progress");
    if (bar) bar.classList.toggle("htmx-request", on);
  }

  /* --- Kanban board ------------------------------------------------------------------- */
  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (stageId) {
      var header = document.querySelector('[data-column-header="' + stageId + '"]');
      if (!header) return;
      header.querySelector("[data-count]").textContent = columns[stageId].count;
      header.querySelector("[data-total]").textContent = columns[stageId].total;
    });
  }

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }

  function askLostReason(name) {
    var dialog = document.getElementById("lost-dialog");
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        resolve(null);
        return;
      }
      var form = dialog.querySelector("[data-lost-form]");
      var field = dialog.querySelector("textarea");
      dialog.querySelector("[data-lost-name]").textContent = name;
      field.value = "";
      function finish(value) {
        form.removeEventListener("submit", onSubmit);
        dialog.removeEventListener("close", onClose);
        resolve(value);
      }
      function onSubmit(e) {
        e.preventDefault();
        var reason = field.value.trim();
        if (!reason) { field.focus(); return; }
        dialog.close("confirm");
        finish(reason);
      }
      function onClose() { finish(null); }
      form.addEventListener("submit", onSubmit);
      dialog.addEventListener("close", onClose);
      dialog.querySelector("[data-dialog-cancel]").onclick = function () { dialog.close(); };
      dialog.showModal();
      field.focus();
    });
  }

  function move(card, stageId, lostReason) {
    var body = new URLSearchParams();
    body.set("stage", stageId);
    body.set("version", card.dataset.version);
    var board = card.closest("[data-board]");
    if (board && board.dataset.owner) body.set("owner", board.dataset.owner);
    if (lostReason !== undefined) body.set("lost_reason", lostReason);
    progress(true);
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken(), "Accept": "application/json"},
      body: body,
    }).then(function (response) {
      return response.json().catch(function () {
        return {ok: false, message: document.documentElement.dataset.errorText || "Error"};
      });
    }).finally(function () { progress(false); });
  }

  function onCardDrop(evt) {
    var card = evt.item;
    if (evt.from === evt.to) return; // reordering inside a column changes nothing
    var stageId = evt.to.dataset.stageId;
    move(card, stageId).then(function handle(result) {
      if (result.ok) {
        card.dataset.version = result.version;
        card.classList.toggle("is-won", result.status === "won");
        card.classList.toggle("is-lost", result.status === "lost");
        updateColumns(result.columns);
        toast(result.message, "success");
        return;
      }
      if (result.need === "lost_reason") {
        return askLostReason(card.dataset.name).then(function (reason) {
          if (!reason) { putBack(evt); return; }
          return move(card, stageId, reason).then(handle);
        });
      }
      putBack(evt);
      toast(result.message, "error");
    }).catch(function () {
      putBack(evt);
      toast(document.documentElement.dataset.networkErrorText || "Network error", "error");
    });
  }

  function initBoard(root) {
    if (typeof window.Sortable === "undefined") return;
    root.querySelectorAll(".board-cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "deals",
        animation: 120,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        emptyInsertThreshold: 24,
        onEnd: onCardDrop,
      });
    });
  }

  /* --- Wiring ------------------------------------------------------------------------- */
  function init(root) {
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) select.form.requestSubmit(); else select.form.submit();
      });
    });
    root.querySelectorAll(".picker-search").forEach(function (input) {
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") e.preventDefault();
      });
    });
    if (root.querySelector && root.querySelector("[data-board]")) initBoard(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);

    document.querySelectorAll("#toasts .toast").forEach(dismissLater);

    document.addEventListener("click", function (e) {
      var close = e.target.closest("[data-toast-close]");
      if (close) close.closest(".toast").remove();

      var toggle = e.target.closest("[data-nav-toggle]");
      if (toggle) {
        var open = document.body.classList.toggle("nav-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      }

      var copy = e.target.closest("[data-copy]");
      if (copy && navigator.clipboard) {
        var source = document.querySelector(copy.dataset.copy);
        if (source) navigator.clipboard.writeText(source.textContent.trim());
      }

      // Close open menus when clicking elsewhere.
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        if (!menu.contains(e.target)) menu.removeAttribute("open");
      });
    });

    document.addEventListener("keydown", function (e) {
      if (e.key !== "Escape") return;
      document.querySelectorAll("details.menu[open]").forEach(function (menu) {
        menu.removeAttribute("open");
        var summary = menu.querySelector("summary");
        if (summary) summary.focus();
      });
      if (document.body.classList.contains("nav-open")) {
        document.body.classList.remove("nav-open");
        var t = document.querySelector("[data-nav-toggle]");
        if (t) t.setAttribute("aria-expanded", "false");
      }
    });

    document.body.addEventListener("toast", function (e) {
      var d = e.detail || {};
      toast(d.message, d.level);
    });
    document.body.addEventListener("htmx:responseError", function (e) {
      var xhr = e.detail.xhr;
      if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server sent its own toast
      toast(document.documentElement.dataset.errorText || "Error", "error");
    });
    document.body.addEventListener("htmx:sendError", function () {
      toast(document.documentElement.dataset.networkErrorText || "Network error", "error");
    });
    document.body.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
  });
})();
