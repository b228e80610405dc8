// The signature pad of invoicing/sign.html: draw with a finger, a pen or the mouse on a canvas
// (pointer events), sent as a PNG data URL in the form's hidden "signature" field.
(function () {
  "use strict";

  function setUp(form) {
    const canvas = form.querySelector("[data-signature-pad]");
    const field = form.querySelector("input[name=signature]");
    const clear = form.querySelector("[data-signature-clear]");
    if (!canvas || !field) return;
    const context = canvas.getContext("2d");
    let drawing = false;
    let drawn = false;

    function resize() {
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      const rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.2;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#10243e";
      drawn = false;
      field.value = "";
    }

    function point(event) {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      const p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
      context.lineTo(p.x + 0.1, p.y + 0.1);
      context.stroke();
      drawn = true;
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      event.preventDefault();
      const p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
    });
    const stop = () => {
      if (!drawing) return;
      drawing = false;
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    if (clear) {
      clear.addEventListener("click", () => {
        context.clearRect(0, 0, canvas.width, canvas.height);
        drawn = false;
        field.value = "";
      });
    }
    form.addEventListener("submit", () => {
      if (drawn) field.value = canvas.toDataURL("image/png");
    });
    resize();
    let width = canvas.getBoundingClientRect().width;
    window.addEventListener("resize", () => {
      const now = canvas.getBoundingClientRect().width;
      if (now !== width && !drawn) {
        width = now;
        resize();
      }
    });
  }

  document.querySelectorAll("form[data-signature-form]").forEach(setUp);
})();
