import ChorusCore
@testable import ChorusServer
@testable import ChorusStore
import Testing

/// Which handed events the event pump may pass on without reading the log.
@Suite("Event pump: handed events")
struct EventPumpTests {
    static func events(_ ids: ClosedRange<Int64>) -> [FeedEvent] {
        ids.map { FeedEvent(id: $0, at: 0, kind: "message.created", conversationID: 1, assigneeID: nil, memberID: nil,
                            payload: .object([:]), message: nil) }
    }

    @Test("events that run on from the delivered mark are passed on as they are")
    func contiguous() {
        let (run, gap) = EventPump.contiguousRun(Self.events(11...14), after: 10)
        #expect(run.map(\.id) == [11, 12, 13, 14] && !gap)
        let none = EventPump.contiguousRun([], after: 10)
        #expect(none.run.isEmpty && !none.gap)
    }

    @Test("events a read of the log already delivered are dropped; the rest must still run on from the mark")
    func alreadyRead() {
        let (run, gap) = EventPump.contiguousRun(Self.events(9...12), after: 10)
        #expect(run.map(\.id) == [11, 12] && !gap)
        let old = EventPump.contiguousRun(Self.events(5...8), after: 10)
        #expect(old.run.isEmpty && !old.gap)
    }

    @Test("a gap (another writer's event, a rolled-back id) stops the run there and asks for a read of the log")
    func gap() {
        let ahead = EventPump.contiguousRun(Self.events(12...14), after: 10)
        #expect(ahead.run.isEmpty && ahead.gap)
        let holed = EventPump.contiguousRun(Self.events(11...12) + Self.events(14...15), after: 10)
        #expect(holed.run.map(\.id) == [11, 12] && holed.gap)
    }
}
