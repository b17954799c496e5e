import ChorusCore
@testable import ChorusServer
@testable import ChorusStore
import Testing

/// When the event pump may pass a commit's own events on without reading the log.
@Suite("Event pump: handed events")
struct EventPumpTests {
    static func events(_ ids: ClosedRange<Int64>) -> [FeedEvent] {
        ids.map { FeedEvent(id: $0, at: 0, kind: "message.created", conversationID: 1, assigneeID: nil, memberID: nil,
                            payload: .object([:]), message: nil) }
    }

    @Test("events that run on from the delivered mark are passed on as they are")
    func contiguous() {
        #expect(EventPump.deliverable(Self.events(11...14), mustRead: false, after: 10)?.map(\.id) == [11, 12, 13, 14])
        #expect(EventPump.deliverable([], mustRead: false, after: 10)?.isEmpty == true)
    }

    @Test("events a read of the log already delivered are dropped; the rest must still run on from the mark")
    func alreadyRead() {
        #expect(EventPump.deliverable(Self.events(9...12), mustRead: false, after: 10)?.map(\.id) == [11, 12])
        #expect(EventPump.deliverable(Self.events(5...8), mustRead: false, after: 10)?.isEmpty == true)
    }

    @Test("a gap (another writer's event, a rolled-back id) or another signal means reading the log")
    func mustRead() {
        #expect(EventPump.deliverable(Self.events(12...14), mustRead: false, after: 10) == nil)
        #expect(EventPump.deliverable(Self.events(11...12) + Self.events(14...15), mustRead: false, after: 10) == nil)
        #expect(EventPump.deliverable(Self.events(11...14), mustRead: true, after: 10) == nil)
    }
}
