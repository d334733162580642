// Import into statistics grids (templates/blocks/_import.html). Without this file the import
// panels stay hidden; reading and typing in the grids work as before.
(function () {
  "use strict";

  if (typeof window.htmx === "undefined") return;

  // The panels need htmx, so they are shown only once it is here.
  window.htmx.onLoad(function (root) {
    var scope = root && root.querySelectorAll ? root : document;
    var panels = Array.prototype.slice.call(scope.querySelectorAll("[data-import-panel][hidden]"));
    if (scope.matches && scope.matches("[data-import-panel][hidden]")) panels.push(scope);
    panels.forEach(function (panel) { panel.hidden = false; });
  });

  // Typing or choosing a file in a panel is not an edit of the block: keep it from
  // triggering the form's autosave (which listens for "input" on #block-form).
  function quiet(event) {
    var target = event.target;
    if (target instanceof Element && target.closest("[data-import-panel]")) event.stopPropagation();
  }
  document.addEventListener("input", quiet, true);
  document.addEventListener("change", quiet, true);

  function panelFor(element) {
    var wrap = element.closest(".stat-grid-wrap");
    return wrap ? wrap.querySelector("[data-import-panel]") : null;
  }

  // Several cells pasted into one grid input (a tab or a line break in the clipboard) go to the
  // table's import panel and are previewed at once; a single value pastes as usual. Excel puts a
  // line break after even a single cell, so trailing line breaks do not count.
  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.closest("table[data-grid]")) return;
    var data = event.clipboardData || window.clipboardData;
    var text = data ? data.getData("text/plain") || data.getData("text") : "";
    if (!text || !/[\t\r\n]/.test(text.replace(/[\r\n]+$/, ""))) return;
    var panel = panelFor(input);
    if (!panel || panel.hidden) return;
    event.preventDefault();
    var textarea = panel.querySelector("[data-import-text]");
    var file = panel.querySelector("[data-import-file]");
    var button = panel.querySelector("[data-import-preview]");
    var details = panel.querySelector("details");
    if (!textarea || !button) return;
    textarea.value = text;
    if (file) file.value = "";
    if (details) details.open = true;
    button.click();
  });

  // After a preview arrives, move focus to its heading so the result (and "Använd") is read
  // next; after an import is applied the whole section is new, so focus its confirmation.
  // Each is focused once: later swaps (autosave, other cells) leave the focus alone.
  function focusOnce(element) {
    if (!element) return false;
    var panel = element.closest("[data-import-panel]");
    if (panel) panel.hidden = false;
    element.setAttribute("data-import-seen", "");
    element.focus();
    if (element.scrollIntoView) element.scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("htmx:afterSettle", function () {
    focusOnce(document.querySelector("[data-import-done]:not([data-import-seen])")) ||
      focusOnce(document.querySelector("[data-import-heading]:not([data-import-seen])"));
  });
})();
