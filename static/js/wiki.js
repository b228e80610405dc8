// Knowledge base beside a ticket: "Insert link" puts a Markdown link to the page into the
// reply, where the cursor is (loaded with the fragment; bound once per page).
(function () {
  "use strict";
  if (window.wikiInsertBound) return;
  window.wikiInsertBound = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".wiki-insert-link");
    if (!button) return;
    var target = document.getElementById(button.dataset.target);
    if (!target) return;
    var text = button.dataset.text;
    var start = target.selectionStart, end = target.selectionEnd;
    if (typeof start === "number" && document.activeElement === target) {
      target.value = target.value.slice(0, start) + text + target.value.slice(end);
      target.selectionStart = target.selectionEnd = start + text.length;
    } else {
      target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + text : text;
    }
    target.dispatchEvent(new Event("input", { bubbles: true }));
    target.focus();
  });
})();
