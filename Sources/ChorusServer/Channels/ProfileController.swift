import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Hummingbird

/// `GET/PUT /api/v1/channels/{id}/profile`: the WhatsApp business profile, read and edited
/// through the Graph API (editing needs *Edit Business Profile*).
struct ProfileController {
    let channels: ChannelRepository
    let graph: GraphClient

    static let fields = "about,address,description,email,profile_picture_url,websites,vertical"
    static let editable: Set<String> = ["about", "address", "description", "email", "websites", "vertical"]

    func get(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .viewChannels).enforce(what: "The channel")
        let channel = try await channel(context)
        do {
            let answer = try await graph.call(channel.endpoint, method: .GET,
                                              path: "\(channel.phoneNumberID)/whatsapp_business_profile?fields=\(Self.fields)", body: nil)
            return try JSONBody.response(answer["data"]?.array?.first ?? .object([:]))
        } catch let error as GraphError {
            throw error.apiError
        }
    }

    func update(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .editBusinessProfile).enforce(what: "The profile")
        let channel = try await channel(context)
        let body = try await JSONBody.decode(JSONValue.self, from: request)
        guard var fields = body.object, !fields.isEmpty else {
            throw ChorusError.invalid("empty_profile", "Send at least one field to change.")
        }
        if let unknown = fields.keys.first(where: { !Self.editable.contains($0) }) {
            throw ChorusError.invalid("unknown_field", "\"\(unknown)\" is not a business profile field you can change.")
        }
        if let about = fields["about"]?.string, about.count > 139 {
            throw ChorusError.invalid("about_too_long", "The About text can have at most 139 characters.")
        }
        fields["messaging_product"] = .string("whatsapp")
        do {
            _ = try await graph.call(channel.endpoint, method: .POST, path: "\(channel.phoneNumberID)/whatsapp_business_profile",
                                     body: .object(fields))
            let answer = try await graph.call(channel.endpoint, method: .GET,
                                              path: "\(channel.phoneNumberID)/whatsapp_business_profile?fields=\(Self.fields)", body: nil)
            return try JSONBody.response(answer["data"]?.array?.first ?? .object([:]))
        } catch let error as GraphError {
            throw error.apiError
        }
    }

    private func channel(_ context: ChorusRequestContext) async throws -> ChannelRecord {
        guard let raw = context.parameters.get("id"), let id = Int64(raw),
              let channel = try await channels.find(id: id) else { throw ChorusError.notFound("The channel") }
        return channel
    }
}
