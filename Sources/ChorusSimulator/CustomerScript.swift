import ChorusCore

/// What simulated customers say: a mix of languages and message types, like a real inbox.
enum CustomerScript {
    static let names = ["Ana Souza", "Wang Wei", "Priya Sharma", "Lukas Müller", "Fatima Zahra", "John Carter",
                        "Yuki Tanaka", "María García", "Olu Adeyemi", "Sofia Rossi", "李娜", "Ahmed Hassan"]

    static let texts = [
        "Hi! Where is my order #4411?", "Do you ship to Lisbon? How much does it cost?",
        "您好，我的订单什么时候发货？", "Hallo, kann ich die Größe noch ändern?", "The package arrived damaged 😞",
        "¿Tienen este producto en azul?", "Thanks a lot, that was quick!", "Can I return an item after 30 days?",
        "注文した商品はいつ届きますか？", "مرحبا، هل يمكنني تغيير عنوان التوصيل؟", "What are your opening hours on Sunday?",
        "I was charged twice for order #4502, please help", "Olá! Vocês aceitam Pix?", "Is the blue jacket still on sale?",
    ]

    static func waID(_ index: Int) -> String { "1555020\(String(format: "%04d", index))" }
    static func name(_ index: Int) -> String { names[index % names.count] }

    enum Kind { case text, location, reaction, reply, image }

    static func pickKind() -> Kind {
        switch Int.random(in: 0..<100) {
        case 0..<68: return .text
        case 68..<76: return .location
        case 76..<84: return .reply
        case 84..<92: return .reaction
        default: return .image
        }
    }

    static let locations: [JSONValue] = [
        .object(["latitude": .double(38.7223), "longitude": .double(-9.1393), "name": .string("Praça do Comércio"),
                 "address": .string("Lisboa, Portugal")]),
        .object(["latitude": .double(31.2304), "longitude": .double(121.4737), "name": .string("人民广场"),
                 "address": .string("上海")]),
    ]
}
