import ChorusCore
import SQLKit

/// Failure counters with temporary lockout, by key ("login:email:x", "login:ip:y",
/// "link:member:7"). Kept in the database so every instance sees the same counts.
public struct ThrottleRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct Rule: Sendable {
        public var maxFailures: Int
        public var windowMillis: Int64
        public var lockoutMillis: Int64
        public init(maxFailures: Int, windowMillis: Int64, lockoutMillis: Int64) {
            self.maxFailures = maxFailures
            self.windowMillis = windowMillis
            self.lockoutMillis = lockoutMillis
        }
    }

    /// When any key is locked now, the time the lock ends.
    public func lockedUntil(_ keys: [String]) async throws -> Int64? {
        let now = Clock.nowMillis()
        return try await db.read { sql in
            var latest: Int64?
            for key in keys {
                if let until = try await sql.raw("SELECT locked_until FROM auth_throttle WHERE key = \(bind: key)").first()?
                    .decode(column: "locked_until", as: Int64?.self), until > now {
                    latest = max(latest ?? 0, until)
                }
            }
            return latest
        }
    }

    /// Counts a failure for each key; locks a key once it reaches `maxFailures` within the window.
    public func recordFailure(_ keys: [String], rule: Rule) async throws {
        let now = Clock.nowMillis()
        try await db.transaction { sql in
            for key in keys {
                let row = try await sql.raw("SELECT failures, first_failure_at FROM auth_throttle WHERE key = \(bind: key)").first()
                var failures = 1
                var first = now
                if let row {
                    let previous = try row.decode(column: "first_failure_at", as: Int64.self)
                    if now - previous < rule.windowMillis {
                        failures = try row.decode(column: "failures", as: Int.self) + 1
                        first = previous
                    }
                }
                let locked: Int64? = failures >= rule.maxFailures ? now + rule.lockoutMillis : nil
                try await sql.raw("""
                    INSERT INTO auth_throttle (key, failures, first_failure_at, locked_until)
                    VALUES (\(bind: key), \(bind: failures), \(bind: first), \(bind: locked))
                    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                        first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until
                    """).run()
            }
        }
    }

    public func clear(_ keys: [String]) async throws {
        try await db.transaction { sql in
            for key in keys { try await sql.raw("DELETE FROM auth_throttle WHERE key = \(bind: key)").run() }
        }
    }
}
