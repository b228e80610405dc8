// One live chat (templates/chat/detail.html): messages over the chat's WebSocket, typing
// indicator, canned replies. Messages carry their number in the chat (seq: 1, 2, 3... in commit
// order); lastSeq is the number up to which this page has every message. Two messages written
// at the same moment may be pushed in the other order: a gap (5 arrives before 4) is shown in
// order and, if 4 does not follow soon, asked for again with "hello" (as after a reconnect).
(function () {
  "use strict";
  var box = document.getElementById("chat");
  if (!box) return;
  // A web form's visitor has no account: their messages are the ones marked "visitor".
  var visitorPage = box.dataset.me === "visitor";
  var me = Number(box.dataset.me);
  var lastSeq = Number(box.dataset.lastSeq) || 0;
  var gapTimer = null;
  var log = document.getElementById("chat-log");
  var typingLine = document.getElementById("chat-typing");
  var statusBadge = document.getElementById("chat-status");
  var agentLine = document.getElementById("chat-agent");
  var ended = document.getElementById("chat-ended");
  var compose = document.getElementById("chat-compose");
  var input = document.getElementById("chat-input");
  var connection = document.getElementById("chat-connection");
  var canned = document.getElementById("chat-canned");
  var socket = null;
  var retry = 0;
  var closed = false;
  var pending = [];
  var typingTimer = null;
  var lastTypingSent = 0;

  function socketUrl() {
    var origin = box.dataset.wsOrigin;
    if (!origin) origin = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
    return origin + box.dataset.wsPath;
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function isMine(m) { return visitorPage ? m.visitor === true : m.author_id === me; }

  function has(seq) { return !!log.querySelector('li[data-seq="' + seq + '"]'); }

  function fillGaps() {
    while (has(lastSeq + 1)) lastSeq++;
    clearTimeout(gapTimer);
    if (log.querySelector("li[data-seq]") && Number(log.lastElementChild.dataset.seq) > lastSeq) {
      gapTimer = setTimeout(function () { send({ type: "hello", last_seq: lastSeq }); }, 1000);
    }
  }

  function addMessage(m) {
    if (m.seq <= lastSeq || has(m.seq)) return;
    var li = document.createElement("li");
    li.className = "chat-msg chat-msg-" + m.kind + (isMine(m) ? " chat-msg-mine" : "");
    li.dataset.seq = m.seq;
    if (m.kind === "system") {
      var span = document.createElement("span");
      span.className = "chat-system";
      span.textContent = m.body;
      li.appendChild(span);
    } else {
      var meta = document.createElement("div");
      meta.className = "chat-meta";
      meta.textContent = m.author + " · " + m.at;
      var bubble = document.createElement("div");
      bubble.className = "chat-bubble";
      bubble.textContent = m.body;
      li.appendChild(meta);
      li.appendChild(bubble);
      if (!isMine(m)) typingLine.textContent = "";
    }
    // In number order (the stored order), whatever order the pushes came in.
    var later = null;
    var items = log.querySelectorAll("li[data-seq]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.seq) > m.seq) later = items[i];
      else break;
    }
    log.insertBefore(li, later);
    fillGaps();
    scrollDown();
  }

  function setState(s) {
    if (s.status && statusBadge) {
      statusBadge.className = "badge chat-status chat-status-" + s.status;
      statusBadge.textContent = statusBadge.dataset["label" + s.status.charAt(0).toUpperCase() + s.status.slice(1)] || s.status;
    }
    if (agentLine && s.status === "active" && s.agent) {
      agentLine.textContent = agentLine.dataset.template.replace("%(agent)s", s.agent);
    } else if (agentLine && s.status === "waiting") {
      agentLine.textContent = agentLine.dataset.waiting;
    } else if (agentLine && s.status === "ended") {
      agentLine.textContent = "";
    }
    if (s.status === "ended") {
      closed = true;
      ended.classList.remove("d-none");
      if (s.ticket && box.dataset.ticketUrlTemplate) {
        var link = document.createElement("a");
        link.href = box.dataset.ticketUrlTemplate.replace("/0/", "/" + s.ticket + "/");
        link.className = "ms-2";
        link.textContent = "#" + s.ticket;
        if (!ended.querySelector("a")) ended.appendChild(link);
      }
      if (compose) compose.classList.add("d-none");
      var leave = document.getElementById("visitor-leave");  // a visitor's "Leave the chat"
      if (leave) leave.classList.add("d-none");
      typingLine.textContent = "";
    }
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(payload));
      return true;
    }
    return false;
  }

  function connect() {
    socket = new WebSocket(socketUrl());
    socket.addEventListener("open", function () {
      retry = 0;
      if (connection) connection.textContent = "";
      box.dataset.connected = "1";
      send({ type: "hello", last_seq: lastSeq });
      while (pending.length) send(pending.shift());
    });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "message") addMessage(data.message);
      else if (data.type === "state") setState(data);
      else if (data.type === "typing") {
        typingLine.textContent = typingLine.dataset.template.replace("%(name)s", data.name);
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 4000);
      } else if (data.type === "error" && connection) connection.textContent = data.message;
    });
    socket.addEventListener("close", function (event) {
      box.dataset.connected = "0";
      if (event.code === 4403 || closed) return;
      if (connection) connection.textContent = connection.dataset.offline;
      var delay = Math.min(10000, 500 * Math.pow(2, retry++));
      setTimeout(connect, delay);
    });
  }

  if (compose) {
    compose.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = input.value.trim();
      if (!body) return;
      var payload = { type: "message", body: body };
      if (!send(payload)) pending.push(payload);
      input.value = "";
      input.focus();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        compose.requestSubmit();
      }
    });
    input.addEventListener("input", function () {
      var now = Date.now();
      if (now - lastTypingSent > 1500) {
        lastTypingSent = now;
        send({ type: "typing" });
      }
    });
  }
  if (canned && input) {
    canned.addEventListener("change", function () {
      if (!canned.value) return;
      input.value = input.value ? input.value + "\n" + canned.value : canned.value;
      canned.value = "";
      input.focus();
    });
  }
  scrollDown();
  connect();
})();
