import ChorusCore
import ChorusStore
import Foundation
import NIOCore
import NIOWebSocket
import Synchronization

extension DeviceHub {
    /// One connected device: its rights, and the WebSocket channel its frames are written to.
    ///
    /// Frames go straight onto the NIO channel — no task and no async writer per device per
    /// event — because with hundreds of devices that per-frame hop was most of the fan-out's cost
    /// on the cooperative threads, which also serve the webhooks. A device first *catches up*
    /// (its socket task replays what it missed from the store) while live frames wait in
    /// `pending`; then it goes *live* and the hub writes to it directly. Event ids are
    /// deduplicated here, under one lock, so replay and live delivery never send an event twice
    /// or out of order.
    final class Connection: Sendable {
        let id = UUID()
        let deviceID: Int64
        let channel: any Channel
        /// The member's rights as of the last check; refreshed when they change.
        let actor: Mutex<Actor>
        /// Tells the socket's task to close the session (signed out, evicted …).
        let control: AsyncStream<Control>.Continuation
        private let state: Mutex<State>

        enum Control: Sendable, Equatable {
            /// Close the socket with this reason code (device_evicted, member_deactivated …).
            case close(String)
            /// The server is stopping: close with 1001 (going away), so the client reconnects —
            /// to another instance, or to this one when it is back — with `last_event_id`.
            case goingAway
        }

        /// What waits while the device catches up: event frames (with their ids) or other frames.
        enum Outgoing: Sendable {
            case events([EventFrames.Item], [ByteBuffer])
            case frame(ByteBuffer)
        }

        private struct State {
            var live = false
            /// The newest event id this device has been sent (or skipped, as before its session).
            var lastSent: Int64 = 0
            var pending: [Outgoing] = []
            /// More arrived while catching up than `pendingLimit`: dropped, to be replayed again.
            var overflowed = false
        }

        /// Catching up longer than this many drains means replaying again from the store
        /// instead of holding frames in memory.
        static let pendingLimit = 2_000
        /// A device whose unsent frames pass this is closed: it is not reading, and would
        /// otherwise hold memory without bound. It reconnects with `last_event_id` and replays.
        static let maxBufferedBytes = 8 << 20

        init(actor: Actor, channel: any Channel, control: AsyncStream<Control>.Continuation) {
            self.deviceID = actor.deviceID
            self.channel = channel
            self.actor = Mutex(actor)
            self.control = control
            self.state = Mutex(State())
        }

        var memberID: Int64 { actor.withLock { $0.memberID } }

        /// May this device see the event? The same decision as `GET /conversations/{id}`.
        func mayReceive(_ event: FeedEvent) -> Bool {
            Self.mayReceive(event, as: actor.withLock { $0 })
        }

        /// The frames of `items` this device may see, in order: its rights read once for all.
        func visible(_ items: [(event: FeedEvent, item: EventFrames.Item)]) -> [EventFrames.Item] {
            let actor = self.actor.withLock { $0 }
            var visible: [EventFrames.Item] = []
            for entry in items where Self.mayReceive(entry.event, as: actor) { visible.append(entry.item) }
            return visible
        }

        static func mayReceive(_ event: FeedEvent, as actor: Actor) -> Bool {
            if let member = event.memberID, member != actor.memberID { return false }
            guard event.conversationID != nil else { return true }
            return AccessPolicy.decide(actor, .viewConversation(assigneeID: event.assigneeID)) == .allow
        }

        /// Takes events for this device (id order): the frames to write now if it is live (only
        /// those after what it was sent), nil if none or while it catches up.
        func accept(_ items: [EventFrames.Item], _ frames: [ByteBuffer]) -> [ByteBuffer]? {
            state.withLock { state in
                guard let last = items.last, last.id > state.lastSent else { return nil }
                guard state.live else {
                    if state.pending.count >= Self.pendingLimit {
                        state.overflowed = true
                        state.pending.removeAll()
                    } else if !state.overflowed {
                        state.pending.append(.events(items, frames))
                    }
                    return nil
                }
                let fresh = Self.frames(items, frames, after: state.lastSent)
                state.lastSent = last.id
                return fresh
            }
        }

        /// A frame outside the event log (presence, rights changed): written now if live.
        func send(_ frame: ByteBuffer) {
            let now = state.withLock { state -> Bool in
                if !state.live { state.pending.append(.frame(frame)) }
                return state.live
            }
            if now { Self.write([frame], to: channel) }
        }

        /// The socket's task replayed events up to `replayed`: go live, sending what waited
        /// meanwhile — or, if too much waited, return false so it replays again from there.
        func goLive(replayed: Int64) -> Bool {
            state.withLock { state in
                state.lastSent = max(state.lastSent, replayed)
                if state.overflowed {
                    state.overflowed = false
                    return false
                }
                // Queued under the lock: nothing the hub writes next can overtake these.
                for item in state.pending {
                    switch item {
                    case .frame(let frame):
                        Self.write([frame], to: channel)
                    case .events(let items, let frames):
                        guard let last = items.last, last.id > state.lastSent else { continue }
                        Self.write(Self.frames(items, frames, after: state.lastSent), to: channel)
                        state.lastSent = last.id
                    }
                }
                state.pending = []
                state.live = true
                return true
            }
        }

        /// The frames for those of `items` after `lastSent`: the shared ones if all are, else new.
        private static func frames(_ items: [EventFrames.Item], _ frames: [ByteBuffer], after lastSent: Int64) -> [ByteBuffer] {
            items[0].id > lastSent ? frames : EventFrames.frames(items.filter { $0.id > lastSent })
        }

        /// Writes text frames, on the channel's event loop (or queued to it, in call order).
        static func write(_ frames: [ByteBuffer], to channel: any Channel) {
            if channel.eventLoop.inEventLoop {
                writeOnLoop(frames, to: channel)
            } else {
                channel.eventLoop.execute { writeOnLoop(frames, to: channel) }
            }
        }

        /// On the event loop: write and flush, or close a device that stopped reading.
        static func writeOnLoop(_ frames: [ByteBuffer], to channel: any Channel) {
            guard channel.isActive else { return }
            if !channel.isWritable, let buffered = try? channel.syncOptions?.getOption(.bufferedWritableBytes),
               buffered > maxBufferedBytes {
                channel.close(promise: nil)
                return
            }
            for frame in frames {
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: frame), promise: nil)
            }
            channel.flush()
        }
    }
}
