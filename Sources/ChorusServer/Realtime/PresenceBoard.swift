import ChorusCore
import ChorusStore
import Foundation
import Synchronization

/// Who is viewing and who is typing in each conversation, across every instance. Local
/// devices report through their WebSocket; other instances' reports arrive over the cluster
/// bus. Typing lapses after a few seconds without a new signal; remote entries lapse unless
/// refreshed, so a crashed instance's viewers do not linger.
final class PresenceBoard: Sendable {
    struct Entry: Sendable, Codable, Equatable {
        var instance: String
        var memberID: Int64
        var deviceID: Int64
        var conversationID: Int64?
        var typingUntil: Int64?
        var seenAt: Int64
    }

    let instance = UUID().uuidString
    static let typingMillis: Int64 = 6_000
    static let remoteLifetimeMillis: Int64 = 60_000
    private let entries = Mutex<[String: Entry]>([:])

    static func key(_ instance: String, _ deviceID: Int64) -> String { "\(instance):\(deviceID)" }

    /// Records a local device's state; returns the conversations whose presence changed.
    func setLocal(memberID: Int64, deviceID: Int64, conversationID: Int64?, typing: Bool, now: Int64 = Clock.nowMillis()) -> (Entry, Set<Int64>) {
        let entry = Entry(instance: instance, memberID: memberID, deviceID: deviceID, conversationID: conversationID,
                          typingUntil: typing ? now + Self.typingMillis : nil, seenAt: now)
        return (entry, apply(entry))
    }

    /// Applies an entry from any instance; returns the conversations whose presence changed.
    @discardableResult
    func apply(_ entry: Entry) -> Set<Int64> {
        entries.withLock { all in
            let key = Self.key(entry.instance, entry.deviceID)
            let old = all[key]
            if entry.conversationID == nil { all[key] = nil } else { all[key] = entry }
            return Set([old?.conversationID, entry.conversationID].compactMap { $0 })
        }
    }

    func removeLocal(deviceID: Int64) -> Set<Int64> {
        apply(Entry(instance: instance, memberID: 0, deviceID: deviceID, conversationID: nil, typingUntil: nil, seenAt: 0))
    }

    /// Drops lapsed typing and stale remote entries; returns the conversations that changed.
    func sweep(now: Int64 = Clock.nowMillis()) -> Set<Int64> {
        entries.withLock { all in
            var changed: Set<Int64> = []
            for (key, entry) in all {
                if entry.instance != instance && now - entry.seenAt > Self.remoteLifetimeMillis {
                    all[key] = nil
                    if let c = entry.conversationID { changed.insert(c) }
                } else if let until = entry.typingUntil, until <= now {
                    all[key]?.typingUntil = nil
                    if let c = entry.conversationID { changed.insert(c) }
                }
            }
            return changed
        }
    }

    /// Members viewing and typing in a conversation (each member once, in id order).
    func snapshot(conversationID: Int64, now: Int64 = Clock.nowMillis()) -> (viewing: [Int64], typing: [Int64]) {
        entries.withLock { all in
            let here = all.values.filter { $0.conversationID == conversationID }
            let viewing = Set(here.map(\.memberID)).sorted()
            let typing = Set(here.filter { ($0.typingUntil ?? 0) > now }.map(\.memberID)).sorted()
            return (viewing, typing)
        }
    }

    /// This instance's live entries, re-announced periodically so other instances keep them.
    var localEntries: [Entry] { entries.withLock { $0.values.filter { $0.instance == instance } } }
}
