import Foundation

/// A list given as one option's value, items separated by commas: `--sizes 100,1_000,10_000`,
/// `--learners logreg,mlp-small`. Every command reads its lists here.
public enum CommaList {
    /// The items of `text`, trimmed, empty ones dropped.
    public static func items(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The positive whole numbers of `text` (`_` may group digits: `60_000`); an item that is not one, or a
    /// list with none, is ``LabError/invalidOption(option:detail:)`` naming `option` and the item.
    public static func positiveIntegers(_ text: String, option: String) throws -> [Int] {
        let values = try items(text).map { item in
            guard let v = Int(item.replacingOccurrences(of: "_", with: "")), v > 0 else {
                throw LabError.invalidOption(option: option, detail: "'\(item)' is not a positive whole number")
            }
            return v
        }
        guard !values.isEmpty else { throw LabError.invalidOption(option: option, detail: "lists no value") }
        return values
    }
}
