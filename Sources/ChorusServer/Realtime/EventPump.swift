import ChorusStore
import Logging
import ServiceLifecycle
import Synchronization

/// Moves new events from the store's event log to the connected devices. Writers call
/// `signal()` right after they commit, so a webhook's message reaches the sockets within
/// milliseconds; a 100 ms tick catches anything written without a signal. A webhook commit that
/// lists the events it wrote hands them over instead (`handOff`): those that follow on from what
/// was delivered go out without reading the log, which is read only after them, and only when
/// something else was signalled or a gap was left.
final class EventPump: Service, Sendable {
    let feed: EventFeed
    let hub: DeviceHub
    let logger: Logger
    private let delivered = Mutex<Int64>(0)
    private let notify = Mutex<(inFlight: Bool, again: Bool)>((false, false))
    /// Events handed over since the last pass, and whether anything else was signalled (then
    /// the pass also reads the log, after the handed events that run on from its mark).
    private let handed = Mutex<(events: [FeedEvent], mustRead: Bool)>(([], true))
    /// Set on PostgreSQL, where other instances may be listening.
    let clusterDB: Database?
    /// This instance's name on the cluster bus: the payload of its NOTIFYs, so that it can pass
    /// over its own (its pump is already awake for what it wrote).
    let instance: String
    private let signals: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// See `pausePerDevice(_:)`.
    let pausePerDevice: Duration

    init(feed: EventFeed, hub: DeviceHub, clusterDB: Database?, instance: String, pausePerDevice: Duration, logger: Logger) {
        self.feed = feed
        self.pausePerDevice = pausePerDevice
        self.clusterDB = clusterDB
        self.instance = instance
        self.hub = hub
        self.logger = logger
        (signals, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The newest event id handed to the hub: a connecting device replays up to here from the
    /// store and takes the rest live.
    var highWater: Int64 { delivered.withLock { $0 } }

    /// Something was written (here or on another instance): the next pass reads the log.
    func signal() {
        handed.withLock { $0.mustRead = true }
        continuation.yield()
    }

    /// A commit wrote these events, in id order (nil: it cannot list them — read the log).
    func handOff(_ events: [FeedEvent]?) {
        guard let events else { return signal() }
        handed.withLock { $0.events += events }
        continuation.yield()
    }

    /// The handed events that run on from `mark` without a gap — deliverable without reading the
    /// log, since event ids are taken one at a time in commit order — and whether any were left
    /// after a gap (another writer's event, a rolled-back id: then the log must be read). Those
    /// at or below `mark` were already delivered by a read of the log.
    static func contiguousRun(_ handed: [FeedEvent], after mark: Int64) -> (run: [FeedEvent], gap: Bool) {
        var run: [FeedEvent] = []
        var expected = mark + 1
        for event in handed where event.id > mark {
            guard event.id == expected else { return (run, true) }
            run.append(event)
            expected += 1
        }
        return (run, false)
    }

    /// After a local write: wake this pump now and the other instances' pumps too.
    func announce() {
        signal()
        guard let db = clusterDB else { return }
        // At most one NOTIFY in flight; announcements meanwhile are folded into one more.
        let start = notify.withLock { state -> Bool in
            if state.inFlight { state.again = true; return false }
            state.inFlight = true
            return true
        }
        guard start else { return }
        Task {
            while true {
                await db.notify(ClusterBus.eventsChannel, instance)
                let more = notify.withLock { state -> Bool in
                    if state.again { state.again = false; return true }
                    state.inFlight = false
                    return false
                }
                if !more { return }
            }
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                        self.signal()
                    }
                }
                group.addTask { await self.pump() }
                await group.next()
                group.cancelAll()
            }
        }
        continuation.finish()
    }

    private func pump() async {
        while !Task.isCancelled {
            do {
                let start = try await feed.latestID()
                delivered.withLock { $0 = max($0, start) }
                break
            } catch {
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        for await _ in signals {
            if Task.isCancelled { return }
            let started = ContinuousClock.now
            let idle = hub.count == 0
            let devices = await drain()
            // Commits that land meanwhile are folded into the next pass (signals buffer one).
            try? await Task.sleep(until: started + (idle ? Self.idlePause : Self.pause(afterWritingTo: devices, perDevice: pausePerDevice)))
        }
    }

    /// How long a pass that wrote to `devices` devices holds off the next one. Every pass
    /// writes a frame to each device, and on the devices' side each frame is a wake-up: with
    /// 200 devices and a commit every few milliseconds, passes back to back took most of the
    /// machine and slowed the webhooks they deliver (BENCHMARKS.md). So a pass over many
    /// devices waits a little before the next — `perDevice` for each device written to, never
    /// more than 20 ms — and further events ride along in one frame; a pass over a few devices
    /// hardly waits, and an event after a quiet spell goes out at once.
    static func pause(afterWritingTo devices: Int, perDevice: Duration) -> Duration {
        min(perDevice * devices, .milliseconds(20))
    }

    /// The pause per device written to (`pause(afterWritingTo:perDevice:)`): 25 µs on SQLite,
    /// 50 µs on PostgreSQL, where each pass is also a query answered by another process on the
    /// same cores. Measured at 1,000 webhooks/s to 200 devices on 2,000,000 messages
    /// (BENCHMARKS.md, session 18): on PostgreSQL 25 µs (~160–190 passes a second) gave fan-out
    /// p99s of 13–36 ms, the webhook's own answer slowed most (p99 up to 36 ms), and 50 µs (~97
    /// passes) 18–29 ms; 75 µs was no better. On SQLite 25 µs gave 12–13 ms and 50 µs 15–16.
    /// (40 µs until session 8.)
    static func pausePerDevice(_ dialect: Database.Dialect) -> Duration {
        dialect == .postgres ? .microseconds(50) : .microseconds(25)
    }

    /// The pause after a pass with no device connected. Such a pass only moves the mark (one
    /// query), but one per commit was ~600 queries a second at 1,000 webhooks/s (PostgreSQL's
    /// statement statistics, BENCHMARKS.md). A device connecting meanwhile replays up to the
    /// mark and receives the rest from the next pass, at most this much later.
    static let idlePause: Duration = .milliseconds(20)

    /// Delivers what is new; returns how many devices were written to.
    private func drain() async -> Int {
        let (events, mustRead) = handed.withLock { state in
            defer { state = ([], false) }
            return state
        }
        // The handed run goes out first; a read of the log, when one is needed, comes after it
        // (the 100 ms tick asks for one ten times a second: its query no longer delays them).
        let (run, gap) = Self.contiguousRun(events, after: highWater)
        var written = 0
        if let last = run.last {
            delivered.withLock { $0 = max($0, last.id) }
            written = hub.deliver(run)
        }
        guard mustRead || gap else { return written }
        do {
            if hub.count == 0 {
                // No device to deliver to: move the high-water mark without reading the events
                // and their messages (a device connecting from now on replays up to it from the
                // store). A device that connected while the mark moved gets them live here.
                let from = highWater
                let latest = try await feed.latestID()
                delivered.withLock { $0 = max($0, latest) }
                if hub.count == 0 { return written }
                let caughtUp = try await deliver(after: from, upTo: latest)
                return try await max(written, caughtUp + deliver(after: highWater, upTo: nil))
            }
            return try await max(written, deliver(after: highWater, upTo: nil))
        } catch {
            logger.warning("event pump could not read the event log, will retry: \(error)")
            handed.withLock { $0.mustRead = true }
            return written
        }
    }

    /// Hands the events after `cursor` (up to `upTo`) to the hub, page by page. The mark moves
    /// before each page: a device registering then replays up to it and dedupes by id.
    private func deliver(after cursor: Int64, upTo: Int64?) async throws -> Int {
        var cursor = cursor
        var written = 0
        while true {
            let events = try await feed.events(after: cursor, upTo: upTo, limit: 500)
            guard let last = events.last else { return written }
            delivered.withLock { $0 = max($0, last.id) }
            written = max(written, hub.deliver(events))
            cursor = last.id
            if events.count < 500 { return written }
        }
    }
}
