// Small progressive enhancements. Everything works without this file.
(function () {
  "use strict";

  // When htmx gets an error it does not swap (403, 500, lost connection), say so
  // in a live region instead of failing silently.
  function announce(message) {
    var region = document.getElementById("request-error");
    if (!region) {
      region = document.createElement("div");
      region.id = "request-error";
      region.className = "alert alert-error floating";
      region.setAttribute("role", "alert");
      document.body.appendChild(region);
    }
    region.textContent = message;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var parsed = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var alert = parsed.querySelector(".alert");
    announce(alert ? alert.textContent.trim() : document.documentElement.dataset.errorMessage);
  });

  // Spreadsheet-like movement in statistics grids: arrows and Enter move between inputs.
  // Left/right only leave a cell when the caret is already at its edge.
  function gridInputs(table) {
    return Array.prototype.map.call(table.querySelectorAll("tbody tr"), function (row) {
      return Array.prototype.slice.call(row.querySelectorAll("td"));
    });
  }

  function moveFrom(input, rowStep, columnStep) {
    var table = input.closest("table[data-grid]");
    var cell = input.closest("td");
    var rows = gridInputs(table);
    for (var r = 0; r < rows.length; r++) {
      var c = rows[r].indexOf(cell);
      if (c === -1) continue;
      for (var nr = r + rowStep, nc = c + columnStep;
           nr >= 0 && nr < rows.length && nc >= 0 && nc < rows[nr].length;
           nr += rowStep, nc += columnStep) {
        var target = rows[nr][nc].querySelector("input");
        if (target) { target.focus(); target.select(); return true; }
        if (rowStep === 0 && columnStep === 0) break;
      }
      return false;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.closest("table[data-grid]")) return;
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var moved = false;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) moved = moveFrom(input, 1, 0);
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) moved = moveFrom(input, -1, 0);
    else if (event.key === "ArrowRight" && atEnd) moved = moveFrom(input, 0, 1);
    else if (event.key === "ArrowLeft" && atStart) moved = moveFrom(input, 0, -1);
    if (event.key === "Enter" && !moved) {
      // Last row: nowhere to go, but Enter still means "this value is done".
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (moved || event.key === "Enter") event.preventDefault();  // Enter never submits from a grid
  });

  // What a response's swap must know of the page before it: htmx's beforeSwap and afterSwap
  // events carry different detail objects, but the same XMLHttpRequest.
  var beforeSwap = new WeakMap();

  function remember(event, name, value) {
    var saved = beforeSwap.get(event.detail.xhr) || {};
    saved[name] = value;
    beforeSwap.set(event.detail.xhr, saved);
  }

  function recall(event, name) {  // once: afterSwap fires for every swapped element
    var saved = beforeSwap.get(event.detail.xhr);
    var value = saved ? saved[name] : null;
    if (saved) saved[name] = null;
    return value;
  }

  // Focus after a swap. htmx gives the focus back to the element with the same id in the new
  // content, and hx-preserve keeps an element itself (the editor's textarea). A browser without
  // Element.moveBefore blurs a preserved element as htmx moves it: then put the focus back.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    if (!active || active === document.body) return;
    remember(event, "focus", {
      element: active,
      start: typeof active.selectionStart === "number" ? active.selectionStart : null,
      end: typeof active.selectionEnd === "number" ? active.selectionEnd : null,
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var saved = recall(event, "focus");
    var active = document.activeElement;
    if (!saved || !saved.element.isConnected || (active && active !== document.body)) return;
    saved.element.focus({ preventScroll: true });
    if (saved.start !== null && saved.element.setSelectionRange) {
      try { saved.element.setSelectionRange(saved.start, saved.end); } catch (error) { /* not a text field */ }
    }
  });

  // A free-row table (nationalities, logs) ends in a blank row whose cells are named
  // "cell|<table>|_new|<column>". A value typed there makes it a real row (r1, r2 …) and the
  // table comes back whole, with a new blank row under it. Whoever typed a country and pressed
  // Tab is by then in the blank row's next cell: keep her in the row she was filling, now under
  // its new key, with anything she typed while the request ran. (By id alone, htmx would put her
  // in the new blank row, and her next figure would start yet another row.)
  function rowKeys(table) {
    var keys = {};
    document.querySelectorAll("input[name^='cell|" + table + "|']").forEach(function (input) {
      keys[input.name.split("|")[2]] = true;
    });
    return keys;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    if (!(active instanceof HTMLInputElement) || !active.closest("table[data-grid]")) return;
    var parts = active.name.split("|");
    if (parts.length !== 4 || parts[0] !== "cell" || parts[2] !== "_new") return;
    remember(event, "blankRow", {
      table: parts[1], column: parts[3], keys: rowKeys(parts[1]),
      typed: active.value !== active.defaultValue ? active.value : "",
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var saved = recall(event, "blankRow");
    if (!saved) return;
    var now = rowKeys(saved.table);
    var added = Object.keys(now).filter(function (key) { return key !== "_new" && !saved.keys[key]; });
    if (added.length !== 1) return;  // the blank row was not the one that became a row
    var target = document.querySelector("input[name='cell|" + saved.table + "|" + added[0] + "|" + saved.column + "']");
    if (!target) return;
    target.focus({ preventScroll: true });
    if (saved.typed && !target.value) {
      target.value = saved.typed;
      target.dispatchEvent(new Event("input", { bubbles: true }));  // kept by the form's autosave
    }
    target.setSelectionRange(target.value.length, target.value.length);
  });

  // "Spara och skicka in" submits the editor's form the ordinary way: the page is on its way
  // out. A preview, autosave or heartbeat still due would only meet the submitted block (409)
  // and be thrown away with the page, so it is not sent.
  var leaving = false;
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented && event.target.id === "block-form") leaving = true;
  });
  window.addEventListener("pageshow", function () { leaving = false; });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (leaving) event.preventDefault();
  });

  document.addEventListener("htmx:sendError", function () {
    announce(document.documentElement.dataset.offlineMessage);
  });
})();
