// The agents' waiting-chat count in the top bar (templates/chat/_topbar.html), live over the
// queue WebSocket: a short tone when it grows, and a "chat:queue" event on <body> that the chat
// panel's waiting list (htmx, hx-trigger="chat:queue from:body") refreshes on.
(function () {
  "use strict";
  var bar = document.getElementById("chat-bar");
  if (!bar || !window.WebSocket) return;
  var badge = document.getElementById("chat-waiting-count");
  var known = null;
  var retry = 0;

  function ring() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.4);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
    } catch (e) { /* no sound before the first click: the count still shows */ }
  }

  function connect() {
    var origin = bar.dataset.wsOrigin || (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
    var socket = new WebSocket(origin + bar.dataset.wsPath);
    socket.addEventListener("open", function () { retry = 0; });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type !== "queue") return;
      badge.textContent = data.count;
      bar.classList.toggle("chat-bar-waiting", data.count > 0);
      if (known !== null && data.count > known) ring();
      if (known !== null && data.count !== known) {
        document.body.dispatchEvent(new CustomEvent("chat:queue", { bubbles: true }));
      }
      known = data.count;
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4403) return;
      setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, retry++)));
    });
  }
  connect();
})();
