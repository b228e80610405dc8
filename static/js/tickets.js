// Ticket page: insert a canned reply (its placeholders already filled by the server).
(function () {
  "use strict";
  document.querySelectorAll(".canned-picker").forEach(function (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      var target = document.getElementById(picker.dataset.target);
      if (!option || !option.dataset.text || !target) return;
      target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + option.dataset.text : option.dataset.text;
      target.focus();
      picker.selectedIndex = 0;
    });
  });
})();
