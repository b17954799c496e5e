// The one WebSocket of the app: reconnects with backoff and resumes from the last event id, so
// nothing is missed while the network or the server was away.
export class EventSocket {
  constructor({ onEvent, onPresence, onState, onClosedForGood }) {
    this.onEvent = onEvent;
    this.onPresence = onPresence;
    this.onState = onState;
    this.onClosedForGood = onClosedForGood;
    this.lastEventId = null;
    this.attempt = 0;
    this.stopped = false;
  }

  start() {
    if (this.stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = this.lastEventId === null ? '' : `?last_event_id=${this.lastEventId}`;
    const ws = new WebSocket(`${scheme}://${location.host}/api/v1/events${query}`);
    this.ws = ws;
    ws.addEventListener('open', () => { this.attempt = 0; this.onState(true); });
    ws.addEventListener('message', (message) => this.receive(JSON.parse(message.data)));
    ws.addEventListener('close', (event) => {
      this.onState(false);
      if (event.code === 4401) { this.stopped = true; this.onClosedForGood(event.reason); return; }
      const delay = Math.min(15000, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      setTimeout(() => this.start(), delay);
    });
  }

  receive(frame) {
    if (frame.type === 'hello') {
      // A server whose event log is behind what this device saw (restored from a backup) will
      // reuse those ids: take its mark, or its new events would be dropped as already seen.
      // The reconnect refreshes the lists.
      if (this.lastEventId === null || frame.lastEventId < this.lastEventId) this.lastEventId = frame.lastEventId;
      return;
    }
    if (frame.type === 'batch') { for (const event of frame.events) this.receive(event); return; }
    if (frame.type === 'presence') { this.onPresence(frame); return; }
    if (typeof frame.id === 'number') {
      if (this.lastEventId !== null && frame.id <= this.lastEventId) return;
      this.lastEventId = frame.id;
    }
    this.onEvent(frame);
  }

  send(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  stop() {
    this.stopped = true;
    this.ws?.close();
  }
}
