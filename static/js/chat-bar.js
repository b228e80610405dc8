// The agents' waiting-chat count in the top bar (templates/chat/_topbar.html), in all and per
// support level, live over the queue WebSocket: a short tone when it grows, and a "chat:queue"
// event on <body> that the chat panel's waiting list (htmx, hx-trigger="chat:queue from:body")
// refreshes on. A chat transferred to this agent pops a notice, rings, and fires "chat:mine"
// (the panel's list of their chats refreshes). The sound is switched on the panel (#chat-sound),
// remembered in this browser.
(function () {
  "use strict";
  var bar = document.getElementById("chat-bar");
  if (!bar || !window.WebSocket) return;
  var badge = document.getElementById("chat-waiting-count");
  var known = null;
  var retry = 0;
  var SOUND_KEY = "chat-sound";

  function soundOn() {
    try { return localStorage.getItem(SOUND_KEY) !== "off"; } catch (e) { return true; }
  }

  var soundSwitch = document.getElementById("chat-sound");
  if (soundSwitch) {
    soundSwitch.checked = soundOn();
    soundSwitch.addEventListener("change", function () {
      try { localStorage.setItem(SOUND_KEY, soundSwitch.checked ? "on" : "off"); } catch (e) { /* private mode */ }
    });
  }

  function showLevels(levels) {
    var items = bar.querySelectorAll(".chat-level-count");
    var any = false;
    for (var i = 0; i < items.length; i++) {
      var n = Number((levels || {})[items[i].dataset.level]) || 0;
      items[i].querySelector(".chat-level-n").textContent = n;
      items[i].classList.toggle("d-none", n === 0);
      any = any || n > 0;
    }
    bar.classList.toggle("chat-bar-levels", any);
  }

  function alertAssigned(data) {
    var template = document.getElementById("chat-toast-template");
    var holder = document.getElementById("chat-toasts");
    if (!template || !holder) return;
    var toast = template.content.firstElementChild.cloneNode(true);
    var text = toast.querySelector(".chat-toast-text");
    text.textContent = text.dataset.template
      .replace("%(by)s", data.by).replace("%(person)s", data.person).replace("%(subject)s", data.subject);
    toast.querySelector(".chat-toast-open").href = data.url;
    toast.dataset.chat = data.chat;
    holder.appendChild(toast);
    if (window.bootstrap) new window.bootstrap.Toast(toast, { autohide: false }).show();
    else toast.classList.add("show");
    ring();
    document.body.dispatchEvent(new CustomEvent("chat:mine", { bubbles: true }));
  }

  function ring() {
    if (!soundOn()) return;
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
      if (data.type === "assigned") { alertAssigned(data); return; }
      if (data.type !== "queue") return;
      badge.textContent = data.count;
      showLevels(data.levels);
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
