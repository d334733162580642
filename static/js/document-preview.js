// The document preview's first page: each chapter loads (htmx, hx-trigger "intersect once") when it
// scrolls into view. This file says "Laddar kapitel …" meanwhile, offers a retry when a load fails,
// and keeps a link to a section (#avsn-2-3) on that section once its chapter has come.
// Without it, each chapter's place links to the chapter's own page.
(function () {
  "use strict";

  function slotOf(event) {
    var element = event.detail && event.detail.elt;
    return element && element.closest ? element.closest(".chapter-slot") : null;
  }

  function status(slot) {
    return slot.querySelector(".chapter-status");
  }

  function showLoading(slot) {
    var line = status(slot);
    if (!line) return;
    line.textContent = line.dataset.loadingText;
    line.classList.remove("chapter-status-error");
    line.hidden = false;
  }

  function showError(slot) {
    var line = status(slot);
    if (!line) return;
    var retry = document.createElement("a");
    retry.href = slot.getAttribute("hx-get");
    retry.className = "chapter-retry";
    retry.textContent = slot.dataset.retryText;
    retry.addEventListener("click", function (event) {
      event.preventDefault();
      showLoading(slot);
      htmx.trigger(slot, "retry");
    });
    line.textContent = slot.dataset.errorText + " ";
    line.appendChild(retry);
    line.classList.add("chapter-status-error");
    line.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chapter-slot").forEach(function (slot) {
      var line = status(slot);
      if (line) {
        line.dataset.loadingText = line.textContent;
        line.hidden = false;
      }
    });
  });

  // A section the address points to (#avsn-2-3) stood in its chapter's place; once the chapter has
  // come, the section is somewhere lower in it: go there again.
  var wanted = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var slot = slotOf(event);
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    wanted = slot && target && slot.contains(target) ? id : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!wanted || !slotOf(event)) return;
    var target = document.getElementById(wanted);
    wanted = null;
    if (target) target.scrollIntoView();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var slot = slotOf(event);
    if (slot) showError(slot);
  });
  document.addEventListener("htmx:sendError", function (event) {
    var slot = slotOf(event);
    if (slot) showError(slot);
  });
})();
