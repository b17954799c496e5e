import ChorusCore

/// The human-readable text of a message of any type: what the inbox previews and search finds.
enum MessageText {
    static func extract(type: String, message: JSONValue) -> String? {
        let content = message[type] ?? .null
        switch type {
        case "text":
            return content["body"]?.string
        case "image", "video", "document":
            return content["caption"]?.string ?? content["filename"]?.string
        case "location":
            let place = [content["name"]?.string, content["address"]?.string].compactMap { $0 }.joined(separator: ", ")
            if !place.isEmpty { return place }
            if let lat = content["latitude"], let lon = content["longitude"] {
                return "\(lat.string ?? "?"), \(lon.string ?? "?")"
            }
            return nil
        case "contacts":
            let names = (content.array ?? []).compactMap { $0["name"]?["formatted_name"]?.string }
            return names.isEmpty ? nil : names.joined(separator: ", ")
        case "interactive":
            return content["button_reply"]?["title"]?.string ?? content["list_reply"]?["title"]?.string
                ?? content["nfm_reply"]?["body"]?.string ?? content["nfm_reply"]?["name"]?.string
        case "button":
            return content["text"]?.string
        case "reaction":
            return content["emoji"]?.string
        case "order":
            let items = content["product_items"]?.array?.count ?? 0
            return [content["text"]?.string, "\(items) item(s)"].compactMap { $0 }.joined(separator: " — ")
        case "system":
            return content["body"]?.string
        case "edit":
            let inner = content["message"] ?? .null
            return extract(type: inner["type"]?.string ?? "", message: inner)
        case "unsupported":
            return message["errors"]?.array?.first?["title"]?.string ?? message["errors"]?.array?.first?["message"]?.string
        default:
            return content["body"]?.string ?? content["text"]?.string
        }
    }
}
