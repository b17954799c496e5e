import ChorusCore
import ChorusStore
import ChorusTestSupport
import Foundation
import Synchronization
import Testing
@testable import ChorusServer

/// `CommitSyncer` alone, with a sync the test holds and releases: a committed webhook group is
/// answered only once its sync has returned (acknowledged = durable), and refused if it fails.
@Suite("CommitSyncer")
struct CommitSyncerTests {
    typealias Reply = Result<IngestRepository.Outcome, any Error>

    @Test("a group is answered only after its sync returns; a failed sync refuses the group; stop answers what is left")
    func answersAfterSync() async throws {
        let gate = DispatchSemaphore(value: 0)
        let failing = Atomic<Bool>(false)
        let syncer = CommitSyncer(sync: {
            gate.wait()
            if failing.load(ordering: .relaxed) { throw StoreError.unavailable("the disk said no") }
        })
        let replies = Locked<[Int: Reply]>([:])
        func group(_ ids: ClosedRange<Int>) -> [CommitSyncer.Answer] {
            ids.map { id in
                var outcome = IngestRepository.Outcome()
                outcome.storedMessages = [Int64(id)]
                return (GroupCommitter.Pending(InboundBatch()) { reply in replies.withLock { $0[id] = reply } }, outcome)
            }
        }
        func waitForReplies(_ count: Int) async throws {
            for _ in 0..<500 where replies.value.count < count { try await Task.sleep(for: .milliseconds(10)) }
            #expect(replies.value.count == count)
        }

        syncer.submit(group(1...2))
        try await Task.sleep(for: .milliseconds(150))
        #expect(replies.value.isEmpty, "answered before its sync returned")
        #expect(syncer.unanswered.count == 2)
        gate.signal()
        try await waitForReplies(2)
        #expect(try replies.value[1]?.get().storedMessages == [1])
        #expect(try replies.value[2]?.get().storedMessages == [2])
        #expect(syncer.unanswered.isEmpty)

        failing.store(true, ordering: .relaxed)
        syncer.submit(group(3...3))
        gate.signal()
        try await waitForReplies(3)
        #expect(throws: StoreError.self) { try replies.value[3]?.get() }

        failing.store(false, ordering: .relaxed)
        syncer.submit(group(4...5))
        async let stopped: Void = syncer.stop()
        try await Task.sleep(for: .milliseconds(50))
        #expect(replies.value[4] == nil, "stop answered before the sync")
        gate.signal()
        await stopped
        #expect(try replies.value[4]?.get().storedMessages == [4])
        #expect(try replies.value[5]?.get().storedMessages == [5])
    }
}
