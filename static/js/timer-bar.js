// The running timer of the top bar (billing/_timer_bar.html). The server says when the timer
// started (it survives a reload); this ticks the elapsed time, and reloads the bar when a timer
// starts or stops in this tab's time box (htmx swap) or in another tab (billing.js writes a
// localStorage key per ticket, which fires a "storage" event in the other tabs).
(function () {
  "use strict";
  let tick = null;

  const pad = (n) => String(n).padStart(2, "0");

  function show() {
    if (tick) clearInterval(tick);
    tick = null;
    const bar = document.getElementById("timer-bar");
    if (!bar || !bar.dataset.startedAt) return;
    const offset = Date.parse(bar.dataset.serverNow) - Date.now();
    const begin = Date.parse(bar.dataset.startedAt);
    const out = bar.querySelector(".timer-bar-elapsed");
    const update = () => {
      const seconds = Math.max(0, Math.floor((Date.now() + offset - begin) / 1000));
      out.textContent = `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
    };
    update();
    tick = setInterval(update, 1000);
  }

  function reload() {
    const bar = document.getElementById("timer-bar");
    if (!bar || !window.htmx) return;
    window.htmx.ajax("GET", bar.dataset.barUrl, { target: "#timer-bar", swap: "outerHTML" });
  }

  window.addEventListener("storage", (event) => {
    if (event.key && event.key.startsWith("billing-timer-")) reload();
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail && event.detail.target;
    if (target && target.id === "time-box") reload();
    else if (target && target.id === "timer-bar") show();
  });
  show();
})();
