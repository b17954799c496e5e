import ChorusCore
import Testing

@Suite("Messaging rules")
struct MessagingTests {
    @Test("statuses only move forward, whatever order they arrive in")
    func forwardOnly() {
        #expect(MessageStatus.read.advanced(to: .delivered) == .read)
        #expect(MessageStatus.sent.advanced(to: .delivered) == .delivered)
        #expect(MessageStatus.delivered.advanced(to: .sent) == .delivered)
        #expect(MessageStatus.queued.advanced(to: .read) == .read)
        #expect(MessageStatus.read.advanced(to: .played) == .played)
        // Every permutation of the four webhook statuses ends at the highest.
        let statuses: [MessageStatus] = [.sent, .delivered, .read, .played]
        for a in statuses { for b in statuses { for c in statuses {
            let end = [a, b, c].reduce(MessageStatus.queued) { $0.advanced(to: $1) }
            #expect(end == [a, b, c].max { $0.rank < $1.rank })
        } } }
    }

    @Test("token bucket allows the burst, then paces at the rate")
    func tokenBucket() {
        var bucket = TokenBucket(rate: 2, burst: 3, now: 0)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        #expect(bucket.take(now: 0) == nil)
        let wait = bucket.take(now: 0)
        #expect(wait != nil && abs(wait! - 0.5) < 1e-9)
        #expect(bucket.take(now: 0.5) == nil)
    }

    @Test("the pair-rate bucket: 45 at once, then one per 6 s")
    func pairRate() {
        var bucket = TokenBucket(rate: 1.0 / 6, burst: 45, now: 100)
        for _ in 0..<45 { #expect(bucket.take(now: 100) == nil) }
        #expect(bucket.take(now: 101) != nil)
        #expect(bucket.take(now: 106.01) == nil)
    }

    @Test("Cloud API error codes: throttling retries, window closed is terminal with a template hint")
    func catalogue() {
        for code in [130429, 131056, 4, 80007, 131000] { #expect(CloudAPIErrorCatalogue.isRetryable(code)) }
        #expect(!CloudAPIErrorCatalogue.isRetryable(131047))
        #expect(CloudAPIErrorCatalogue.entry(for: 131047).hint.contains("template"))
        #expect(CloudAPIErrorCatalogue.entry(for: 987654).hint.contains("987654"))
    }

    @Test("password policy refuses short and common passwords")
    func passwords() {
        let policy = PasswordPolicy()
        #expect(policy.problem(with: "short") != nil)
        #expect(policy.problem(with: "password123") != nil)
        #expect(policy.problem(with: "aaaaaaaaaaaa") != nil)
        #expect(policy.problem(with: "correct-horse-battery") == nil)
    }

    @Test("device class is guessed from the user agent")
    func deviceGuess() {
        #expect(DeviceClass.guess(userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile") == .mobile)
        #expect(DeviceClass.guess(userAgent: "Mozilla/5.0 (iPad; CPU OS 17_0)") == .tablet)
        #expect(DeviceClass.guess(userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120") == .desktop)
    }
}
