import ChorusCore
import ChorusStore
import Foundation
import Logging
import ServiceLifecycle

/// Scheduled upkeep, every minute: sessions idle longer than the limit (7 days by default) are
/// removed and their sockets closed; snoozed conversations whose time has come reopen; deleted
/// history past its retention is purged; the permission conflict check runs daily at 04:00 in
/// the workspace's time zone (PRODUCT.md §2, §3, §4).
struct TeamJobs: Service {
    let devices: DeviceRepository
    let team: TeamRepository
    let settings: SettingsRepository
    let security: SecuritySettings
    let hub: DeviceHub
    let conversations: ConversationStateRepository
    /// On PostgreSQL several instances run this service; an advisory lock makes one do the work.
    let db: Database
    let onEvents: @Sendable () -> Void
    let logger: Logger
    var interval: Duration = .seconds(60)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await tick()
                try? await Task.sleep(for: interval)
            }
        }
        try? await gracefulShutdown()
    }

    func tick(now: Date = Date()) async {
        do {
            try await db.exclusively(40_404) { try await upkeep(now: now) }
        } catch is CancellationError {
            return
        } catch {
            logger.warning("upkeep failed, will retry: \(error)")
        }
    }

    private func upkeep(now: Date) async throws {
        let config = try await security.current()
        let cutoff = Clock.nowMillis() - Int64(config.deviceIdleDays) * 86_400_000
        let removed = try await devices.revokeIdle(lastSeenBefore: cutoff)
        if !removed.isEmpty {
            hub.close(devices: removed.map(\.device), reason: "device_idle")
            logger.info("removed \(removed.count) idle device session(s)")
        }
        if try await conversations.wakeSnoozed() > 0 { onEvents() }
        let purged = try await conversations.purgeDeleted(olderThan: Int64(config.deletedHistoryRetentionDays) * 86_400_000)
        if purged > 0 { logger.info("purged \(purged) deleted message(s) past their retention") }
        if try await conflictCheckDue(config, now: now) {
            let report = try await TeamHealthController.runCheck(team: team, settings: settings)
            logger.info("daily permission conflict check: \(report.findings.count) finding(s)")
        }
    }

    /// Due when it is past the check hour today (local time) and the last report is older than that.
    func conflictCheckDue(_ config: WorkspaceSecurity, now: Date) async throws -> Bool {
        let minute = SecuritySettings.localMinute(timeZone: config.timeZone, at: now)
        guard minute >= config.conflictCheckHour * 60 else { return false }
        let todayAtHour = Int64(now.timeIntervalSince1970 * 1000) - Int64(minute - config.conflictCheckHour * 60) * 60_000
        let last = try await settings.get("conflict_report", as: TeamHealthController.ConflictReport.self)?.checkedAt ?? 0
        return last < todayAtHour
    }
}
