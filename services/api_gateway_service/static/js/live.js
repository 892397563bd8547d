// The one WebSocket of a logged-in page. It reconnects with backoff, answers heartbeats, and
// tells the views to re-read their state over REST whenever updates may have been missed:
// on every (re)connect and when the gateway says "resync".

const handlers = new Set();
let socket = null;
let wanted = false;
let retryDelay = 500;
let retryTimer = null;
let indicator = () => {};

/** `handler(message)` gets every live message; `{type: "resync"}` means "re-read". */
export function subscribe(handler) {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

function emit(message) {
  for (const handler of [...handlers]) handler(message);
}

/** `show(isLive)` is called whenever the connection comes or goes. */
export function onConnectionChange(show) {
  indicator = show;
}

export function connect(token, onPolicyClose) {
  wanted = true;
  clearTimeout(retryTimer);
  if (socket) socket.close(1000);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/v1/ws?token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "ping") {
      ws.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "connected") {
      retryDelay = 500;
      indicator(true);
      emit({ type: "resync" });
    } else {
      emit(message);
    }
  });
  ws.addEventListener("close", (event) => {
    if (socket !== ws) return;
    socket = null;
    indicator(false);
    if (event.code === 1008) {
      wanted = false;
      onPolicyClose();
      return;
    }
    if (wanted) {
      retryTimer = setTimeout(() => connect(token, onPolicyClose), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    }
  });
}

export function disconnect() {
  wanted = false;
  clearTimeout(retryTimer);
  if (socket) {
    const ws = socket;
    socket = null;
    ws.close(1000);
  }
  indicator(false);
}
