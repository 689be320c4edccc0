/// UTCTime and GeneralizedTime as RFC 5280 §4.1.2.5 restricts them: UTC ("Z"), seconds present,
/// no fractions; UTCTime years 50–99 mean 19xx.
enum DERTime {
    static func unixSeconds(_ node: DERNode) throws(X509Error) -> Int64 {
        let text = Array(node.content)
        let digitCount: Int
        switch node.tag {
        case DERTag.utcTime: digitCount = 12
        case DERTag.generalizedTime: digitCount = 14
        default: throw X509Error(.invalidTime, "validity time has tag 0x\(Hex.byte(node.tag)), not a time")
        }
        guard text.count == digitCount + 1, text[digitCount] == UInt8(ascii: "Z"),
            text[0..<digitCount].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            throw X509Error(.invalidTime, "validity time is not YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ")
        }
        func number(_ offset: Int, _ count: Int) -> Int {
            var value = 0
            for index in offset..<(offset + count) { value = value * 10 + Int(text[index] - 0x30) }
            return value
        }
        var year: Int
        var offset: Int
        if node.tag == DERTag.utcTime {
            year = number(0, 2)
            year += year >= 50 ? 1900 : 2000
            offset = 2
        } else {
            year = number(0, 4)
            offset = 4
        }
        let month = number(offset, 2)
        let day = number(offset + 2, 2)
        let hour = number(offset + 4, 2)
        let minute = number(offset + 6, 2)
        let second = number(offset + 8, 2)
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second < 60
        else {
            throw X509Error(.invalidTime, "validity time has an impossible date or time")
        }
        return UnixTime.seconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
