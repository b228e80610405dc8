// The ticket queue (templates/tickets/list.html): its filter menus (search among the options,
// clear, applied when a menu closes changed), keyboard shortcuts (j/k move, Enter opens, x
// selects, / searches, ? lists them; never while typing in a field), and the row the keyboard is
// on kept across the periodic refresh (tickets/_queue_rows.html).
(function () {
  "use strict";
  if (!document.getElementById("queue")) return;
  var form = document.getElementById("queue-filter-form");

  // --- Filter menus -------------------------------------------------------------------------
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("queue-filter-search")) return;
    var words = fold(box.value);
    box.closest(".queue-filter-menu").querySelectorAll(".queue-option").forEach(function (option) {
      option.hidden = words !== "" && fold(option.textContent).indexOf(words) === -1;
    });
  });

  document.addEventListener("keydown", function (event) {
    // Enter in a menu's search box narrows the list; it does not submit the filters.
    if (event.key === "Enter" && event.target.classList &&
        event.target.classList.contains("queue-filter-search")) {
      event.preventDefault();
    }
    // Escape leaves the search box, for the shortcuts.
    if (event.key === "Escape" && event.target.id === "id_q") event.target.blur();
  });

  document.addEventListener("click", function (event) {
    var clear = event.target.closest && event.target.closest(".queue-filter-clear");
    if (!clear) return;
    var menu = clear.closest(".queue-filter-menu");
    menu.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
    menu.querySelectorAll("input:not([type=checkbox]), select").forEach(function (field) {
      if (field.classList.contains("picker-value")) field.replaceChildren();
      else if (field.tagName === "SELECT") Array.from(field.options).forEach(function (o) { o.selected = false; });
      else field.value = "";
    });
    menu.querySelectorAll(".picker-chosen").forEach(function (list) { list.replaceChildren(); });
    menu.querySelectorAll(".queue-option").forEach(function (option) { option.hidden = false; });
  });

  // A menu closed with other choices than when it opened applies them (on a desktop: on a
  // phone every menu is open in the panel, which has its own button).
  function state() {
    return form ? new URLSearchParams(new FormData(form)).toString() : "";
  }
  var opened = null;
  var desktop = window.matchMedia("(min-width: 768px)");
  document.addEventListener("show.bs.dropdown", function (event) {
    if (event.target.closest(".queue-filter") && desktop.matches) opened = state();
  });
  document.addEventListener("hidden.bs.dropdown", function (event) {
    if (!event.target.closest(".queue-filter") || opened === null) return;
    var changed = state() !== opened;
    opened = null;
    if (changed) form.requestSubmit();
  });

  // --- Keyboard shortcuts ---------------------------------------------------------------------
  function typing(element) {
    if (!element || !element.tagName) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    if (element.tagName !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(element.type) === -1;
  }

  function rows() {
    return Array.from(document.querySelectorAll("#queue-rows tr.q-row"));
  }

  function currentRow() {
    var element = document.activeElement;
    return element && element.closest ? element.closest("#queue-rows tr.q-row") : null;
  }

  function moveTo(row) {
    row.querySelector(".q-open").focus();
    row.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    // A dialog, an open menu or the phone's filter panel has the keyboard.
    if (document.querySelector(".modal.show, .dropdown-menu.show, .offcanvas.show, .offcanvas.showing")) return;
    var list = rows();
    var row = currentRow();
    var at = row ? list.indexOf(row) : -1;
    if (event.key === "j" && list.length) {
      moveTo(list[Math.min(at + 1, list.length - 1)]);
    } else if (event.key === "k" && list.length) {
      moveTo(list[Math.max(at - 1, 0)]);
    } else if (event.key === "x" && row && row.querySelector(".bulk-select")) {
      var box = row.querySelector(".bulk-select");
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (event.key === "Enter" && row && event.target.tagName !== "A") {
      row.querySelector(".q-open").click(); // on a link, the browser follows it
    } else if (event.key === "/" && document.getElementById("id_q") &&
               document.getElementById("id_q").offsetParent !== null) {
      document.getElementById("id_q").focus();
    } else if (event.key === "?") {
      bootstrap.Modal.getOrCreateInstance(document.getElementById("queue-shortcuts")).show();
    } else {
      return;
    }
    event.preventDefault();
  });

  // --- The refresh keeps the keyboard's row --------------------------------------------------
  var kept = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id !== "queue-rows") return;
    var row = currentRow();
    kept = row ? row.querySelector(".q-open").getAttribute("href") : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!kept) return;
    var link = document.querySelector('#queue-rows .q-open[href="' + CSS.escape(kept) + '"]');
    kept = null;
    if (link) link.focus({ preventScroll: true });
  });
})();
