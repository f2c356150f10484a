/* Settings → Web forms: "copied" feedback on the copy buttons (app.js does the copying), and
   the field table kept consistent: a required field is asked for; an unasked one is optional. */
(function () {
  "use strict";

  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-copy][data-copied-text]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copy);
    if (!source) return;
    if (!navigator.clipboard) {
      // No clipboard access (a page served over plain http): select the code for Ctrl+C.
      selectText(source);
      return;
    }
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = button.dataset.copiedText;
    window.setTimeout(function () { button.textContent = button.dataset.label; }, 2000);
  });

  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("input[type=checkbox][name=fields], input[type=checkbox][name=required]")) return;
    var other = box.name === "fields" ? "required" : "fields";
    var pair = box.form && box.form.querySelector(
      "input[type=checkbox][name=" + other + "][value='" + box.value + "']"
    );
    if (!pair) return;
    if (box.name === "required" && box.checked) pair.checked = true;
    if (box.name === "fields" && !box.checked) pair.checked = false;
  });
})();
