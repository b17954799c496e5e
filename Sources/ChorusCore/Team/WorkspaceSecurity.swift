/// The workspace's security settings. Every number is a seed default an admin can change
/// (PRODUCT.md §2, §3, §8); missing keys in stored JSON take the default, so adding a setting
/// never breaks an existing workspace.
public struct WorkspaceSecurity: Sendable, Equatable, Codable {
    public enum TwoFactorPolicy: String, Sendable, Codable, CaseIterable { case optional, admins, everyone }

    public var twoFactorPolicy: TwoFactorPolicy = .optional
    public var memberLimit = 50
    public var deviceCap = 4
    public var deviceIdleDays = 7
    /// Oldest acceptable OS version by OS name ("android": "12"); older devices are flagged.
    public var minimumOSVersions: [String: String] = ["android": "10", "ios": "16", "windows": "10", "macos": "13"]
    public var deviceRestrictions: DeviceRestrictions = .seed
    /// IANA zone used for send windows and the daily conflict check.
    public var timeZone = "UTC"
    public var loginMaxFailures = 5
    public var loginWindowMinutes = 15
    public var loginLockoutMinutes = 15
    public var linkCodeSeconds = 90
    public var linkMaxFailures = 3
    public var linkCooldownMinutes = 5
    public var pinRotationDays = 90
    public var stepUpMinutes = 5
    public var conflictCheckHour = 4
    public var inviteValidHours = 72
    /// Deleted chat history stays recoverable this long before it is purged.
    public var deletedHistoryRetentionDays = 30

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = WorkspaceSecurity()
        twoFactorPolicy = try c.decodeIfPresent(TwoFactorPolicy.self, forKey: .twoFactorPolicy) ?? d.twoFactorPolicy
        memberLimit = try c.decodeIfPresent(Int.self, forKey: .memberLimit) ?? d.memberLimit
        deviceCap = try c.decodeIfPresent(Int.self, forKey: .deviceCap) ?? d.deviceCap
        deviceIdleDays = try c.decodeIfPresent(Int.self, forKey: .deviceIdleDays) ?? d.deviceIdleDays
        minimumOSVersions = try c.decodeIfPresent([String: String].self, forKey: .minimumOSVersions) ?? d.minimumOSVersions
        deviceRestrictions = try c.decodeIfPresent(DeviceRestrictions.self, forKey: .deviceRestrictions) ?? d.deviceRestrictions
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? d.timeZone
        loginMaxFailures = try c.decodeIfPresent(Int.self, forKey: .loginMaxFailures) ?? d.loginMaxFailures
        loginWindowMinutes = try c.decodeIfPresent(Int.self, forKey: .loginWindowMinutes) ?? d.loginWindowMinutes
        loginLockoutMinutes = try c.decodeIfPresent(Int.self, forKey: .loginLockoutMinutes) ?? d.loginLockoutMinutes
        linkCodeSeconds = try c.decodeIfPresent(Int.self, forKey: .linkCodeSeconds) ?? d.linkCodeSeconds
        linkMaxFailures = try c.decodeIfPresent(Int.self, forKey: .linkMaxFailures) ?? d.linkMaxFailures
        linkCooldownMinutes = try c.decodeIfPresent(Int.self, forKey: .linkCooldownMinutes) ?? d.linkCooldownMinutes
        pinRotationDays = try c.decodeIfPresent(Int.self, forKey: .pinRotationDays) ?? d.pinRotationDays
        stepUpMinutes = try c.decodeIfPresent(Int.self, forKey: .stepUpMinutes) ?? d.stepUpMinutes
        conflictCheckHour = try c.decodeIfPresent(Int.self, forKey: .conflictCheckHour) ?? d.conflictCheckHour
        inviteValidHours = try c.decodeIfPresent(Int.self, forKey: .inviteValidHours) ?? d.inviteValidHours
        deletedHistoryRetentionDays = try c.decodeIfPresent(Int.self, forKey: .deletedHistoryRetentionDays) ?? d.deletedHistoryRetentionDays
    }

    /// Nil when sensible, else what is wrong, in words.
    public var problem: String? {
        if !(1...500).contains(memberLimit) { return "memberLimit must be between 1 and 500." }
        if !(1...20).contains(deviceCap) { return "deviceCap must be between 1 and 20." }
        if !(1...365).contains(deviceIdleDays) { return "deviceIdleDays must be between 1 and 365." }
        if !(1...100).contains(loginMaxFailures) || !(1...1440).contains(loginWindowMinutes) || !(1...1440).contains(loginLockoutMinutes) {
            return "Login throttling values are out of range."
        }
        if !(30...600).contains(linkCodeSeconds) || !(1...20).contains(linkMaxFailures) || !(1...120).contains(linkCooldownMinutes) {
            return "Device-link values are out of range."
        }
        if !(1...365).contains(pinRotationDays) || !(1...60).contains(stepUpMinutes) { return "PIN values are out of range." }
        if !(0...23).contains(conflictCheckHour) { return "conflictCheckHour must be 0–23." }
        if !(1...720).contains(inviteValidHours) { return "inviteValidHours must be between 1 and 720." }
        if !(1...3650).contains(deletedHistoryRetentionDays) { return "deletedHistoryRetentionDays must be between 1 and 3650." }
        return nil
    }

    /// Is `version` older than the minimum for `os`? Compares dotted numbers.
    public func isOutdated(os: String, version: String) -> Bool {
        guard let minimum = minimumOSVersions[os.lowercased()], !version.isEmpty else { return false }
        let have = version.split(separator: ".").map { Int($0) ?? 0 }
        let need = minimum.split(separator: ".").map { Int($0) ?? 0 }
        for i in 0..<max(have.count, need.count) {
            let a = i < have.count ? have[i] : 0, b = i < need.count ? need[i] : 0
            if a != b { return a < b }
        }
        return false
    }
}
