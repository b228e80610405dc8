// The ticket's stopwatch (billing/_time_box.html). The server keeps when it started, so the
// count survives a reload; localStorage tells the other tabs of the same ticket when it was
// started or stopped here, and they reload their time box from the server.
(function () {
  "use strict";
  const key = (ticket) => `billing-timer-${ticket}`;
  let tick = null;

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function show(box) {
    const timer = box.querySelector(".timer[data-started-at]");
    const ticket = box.dataset.ticket;
    const stored = localStorage.getItem(key(ticket)) || "";
    const started = timer ? timer.dataset.startedAt : "";
    if (stored !== started) {
      // Tell the other tabs (a "storage" event fires there, not here).
      if (started) localStorage.setItem(key(ticket), started);
      else localStorage.removeItem(key(ticket));
    }
    if (tick) clearInterval(tick);
    tick = null;
    if (!timer) return;
    const offset = Date.parse(timer.dataset.serverNow) - Date.now();
    const begin = Date.parse(started);
    const out = timer.querySelector(".timer-elapsed");
    const update = () => {
      const seconds = Math.max(0, Math.floor((Date.now() + offset - begin) / 1000));
      out.textContent = `${Math.floor(seconds / 3600)}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
    };
    update();
    tick = setInterval(update, 1000);
  }

  function refresh() {
    const box = document.getElementById("time-box");
    if (box) show(box);
  }

  window.addEventListener("storage", (event) => {
    const box = document.getElementById("time-box");
    if (!box || event.key !== key(box.dataset.ticket) || !window.htmx) return;
    window.htmx.ajax("GET", box.dataset.boxUrl, { target: "#time-box", swap: "outerHTML" });
  });
  document.addEventListener("htmx:afterSettle", refresh);
  refresh();
})();
