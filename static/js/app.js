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
})();
