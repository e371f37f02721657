/// FNV-1a, 64 bits, of `text`'s UTF-8 bytes: a stable identity for keys and names (not a security property).
public func fnv1a(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return hash
}
