import ChorusCore
import ChorusStore
import Foundation
import Synchronization

/// The workspace's security settings, read on every request, cached for a second so a busy
/// server does not query them each time; a change made here is seen at once on this instance
/// and within a second on the others.
final class SecuritySettings: Sendable {
    let settings: SettingsRepository
    private let cached = Mutex<(value: WorkspaceSecurity, at: ContinuousClock.Instant)?>(nil)

    /// Used until an admin saves settings (the command line can set some, e.g. CHORUS_DEVICE_CAP).
    let defaults: WorkspaceSecurity

    init(settings: SettingsRepository, defaults: WorkspaceSecurity) {
        self.settings = settings
        self.defaults = defaults
    }

    func current() async throws -> WorkspaceSecurity {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < .seconds(1) { return hit.value }
        let value = try await settings.get("security", as: WorkspaceSecurity.self) ?? defaults
        cached.withLock { $0 = (value, now) }
        return value
    }

    func save(_ value: WorkspaceSecurity, audit: AuditEntry) async throws {
        try await settings.put("security", value, audit: audit)
        cached.withLock { $0 = (value, ContinuousClock.now) }
    }

    /// Minute of the day in the workspace's time zone.
    static func localMinute(timeZone: String, at date: Date = Date()) -> Int {
        let zone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!
        let seconds = Int(date.timeIntervalSince1970) + zone.secondsFromGMT(for: date)
        return ((seconds / 60) % 1440 + 1440) % 1440
    }
}
