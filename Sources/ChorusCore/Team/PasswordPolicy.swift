/// The password rule every member password must meet. Length beats composition rules
/// (NIST SP 800-63B), so we ask for 10+ characters and refuse the obviously guessable.
public struct PasswordPolicy: Sendable {
    public var minimumLength: Int
    public init(minimumLength: Int = 10) { self.minimumLength = minimumLength }

    static let common: Set<String> = [
        "password", "password1", "password123", "1234567890", "qwertyuiop", "12345678910",
        "iloveyou12", "letmein123", "welcome123", "admin12345", "chorus1234",
    ]

    /// Returns nil when acceptable, else the reason in plain words.
    public func problem(with password: String) -> String? {
        if password.count < minimumLength {
            return "The password must have at least \(minimumLength) characters."
        }
        if Self.common.contains(password.lowercased()) {
            return "This password is too common; choose another."
        }
        if Set(password).count < 4 {
            return "The password repeats too few different characters."
        }
        return nil
    }

    public func validate(_ password: String) throws(ChorusError) {
        if let problem = problem(with: password) {
            throw ChorusError.invalid("weak_password", problem)
        }
    }
}
