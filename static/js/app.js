// Small behaviours shared by every page. No inline scripts in templates.
(function () {
  "use strict";
  // Selects marked js-autosubmit submit their form on change (language switch, filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // Queue bulk bar: "select all" for the page, a live count, Apply enabled once a row is chosen.
  // Delegated, so it keeps working after htmx swaps the rows (the refresh pauses while rows are
  // selected, below).
  function syncBulk() {
    var count = document.getElementById("bulk-count");
    if (!count) return;
    var boxes = document.querySelectorAll(".bulk-select");
    var checked = document.querySelectorAll(".bulk-select:checked").length;
    count.textContent = checked
      ? count.dataset.some.replace("__N__", checked)
      : count.dataset.none;
    document.getElementById("bulk-apply").disabled = checked === 0;
    // The list of changes is loaded once, when a first row is ticked.
    var change = document.getElementById("bulk-change");
    if (checked && change && change.dataset.load) {
      var url = change.dataset.load;
      delete change.dataset.load;
      htmx.ajax("GET", url, { target: change, swap: "outerHTML" });
    }
    var all = document.getElementById("bulk-all");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.id === "bulk-all") {
      document.querySelectorAll(".bulk-select").forEach(function (box) {
        box.checked = el.checked;
      });
    }
    if (el.id === "bulk-all" || (el.classList && el.classList.contains("bulk-select"))) {
      syncBulk();
    }
  });
  document.addEventListener("htmx:afterSwap", syncBulk);

  // The queue's periodic refresh (tickets/_queue_rows.html) skips its turn while rows are ticked:
  // a refresh would untick them. (Not an hx-trigger filter: those are evaluated JavaScript, which
  // the Content-Security-Policy forbids.)
  document.addEventListener("htmx:confirm", function (event) {
    var rows = event.detail.elt;
    if (rows.id === "queue-rows" && rows.querySelector(".bulk-select:checked")) {
      event.preventDefault();
    }
  });
})();

// Buttons marked js-insert-text put their data-text into the text area data-target, where the
// cursor is (or at the end): a link to a knowledge base page into a ticket reply, loaded with
// its htmx fragment (fragments carry no script, hence here).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-insert-text");
    if (!button) return;
    var target = document.getElementById(button.dataset.target);
    if (!target) return;
    var text = button.dataset.text;
    var start = target.selectionStart, end = target.selectionEnd;
    var focused = document.activeElement === target || target.dataset.caretKept === "1";
    if (typeof start === "number" && focused && target.value) {
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.selectionStart = target.selectionEnd = start + text.length;
    } else {
      target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + text : text;
    }
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.focus();
  });
  // A text area left for such a button keeps its cursor: the text goes where it was.
  document.addEventListener("focusout", function (event) {
    if (event.target.tagName === "TEXTAREA") event.target.dataset.caretKept = "1";
  });
})();
