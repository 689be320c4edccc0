/// The one-byte DER identifiers X.509 uses. High-tag-number form (0x1F) never occurs in certificates
/// and is refused by the reader.
public enum DERTag {
    public static let boolean: UInt8 = 0x01
    public static let integer: UInt8 = 0x02
    public static let bitString: UInt8 = 0x03
    public static let octetString: UInt8 = 0x04
    public static let null: UInt8 = 0x05
    public static let objectIdentifier: UInt8 = 0x06
    public static let utf8String: UInt8 = 0x0C
    public static let printableString: UInt8 = 0x13
    public static let teletexString: UInt8 = 0x14
    public static let ia5String: UInt8 = 0x16
    public static let utcTime: UInt8 = 0x17
    public static let generalizedTime: UInt8 = 0x18
    public static let universalString: UInt8 = 0x1C
    public static let bmpString: UInt8 = 0x1E
    public static let sequence: UInt8 = 0x30
    public static let set: UInt8 = 0x31

    /// `[number]` constructed (EXPLICIT, or IMPLICIT of a constructed type).
    public static func contextConstructed(_ number: UInt8) -> UInt8 { 0xA0 | (number & 0x1F) }
    /// `[number]` primitive (IMPLICIT of a primitive type).
    public static func contextPrimitive(_ number: UInt8) -> UInt8 { 0x80 | (number & 0x1F) }
}
