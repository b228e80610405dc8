// Ticket page (templates/tickets/detail.html): Ctrl+Enter (Cmd+Enter on a Mac) in the reply box
// sends it; opening the escalation form puts the cursor in its reason box.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form.reply-form");
    if (!form || event.target.tagName !== "TEXTAREA") return;
    event.preventDefault();
    form.requestSubmit();
  });

  var escalate = document.getElementById("escalate-form");
  if (escalate) {
    escalate.addEventListener("shown.bs.collapse", function () {
      var reason = escalate.querySelector("textarea");
      if (reason) reason.focus();
    });
  }
})();
