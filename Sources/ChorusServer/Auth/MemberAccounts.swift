import ChorusCore
import ChorusStore
import Foundation
import HummingbirdBcrypt

/// Creating members with checked emails and passwords, shared by the CLI and the API.
public struct MemberAccounts: Sendable {
    let members: MemberRepository
    let bcryptCost: UInt8
    let policy = PasswordPolicy()

    public init(db: Database, bcryptCost: UInt8 = 12) {
        self.members = MemberRepository(db)
        self.bcryptCost = bcryptCost
    }

    public func create(email: String, password: String, name: String, role: Role) async throws -> MemberRecord {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard email.range(of: #"^[^@\s]+@[^@\s]+\.[^@\s]+$"#, options: .regularExpression) != nil else {
            throw ChorusError.invalid("invalid_email", "\"\(email)\" is not an email address.")
        }
        let name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw ChorusError.invalid("invalid_name", "The name must not be empty.") }
        try policy.validate(password)
        if try await members.credentials(email: email) != nil {
            throw ChorusError.conflict("email_taken", "A member with the email \(email.lowercased()) already exists.")
        }
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        return try await members.create(email: email, name: name, passwordHash: hash, role: role)
    }
}
