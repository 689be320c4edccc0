/// Conversions between civil UTC dates and Unix seconds, in pure Swift (no Foundation): used for
/// certificate validity and for the dates operators read in reasons and logs.
public enum UnixTime {
    /// Seconds since 1970-01-01T00:00:00Z for a proleptic Gregorian UTC date (Howard Hinnant's
    /// days-from-civil). Inputs must be in range; the parser checks them before calling.
    public static func seconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + Int64(hour) * 3_600 + Int64(minute) * 60 + Int64(second)
    }

    /// The civil UTC date of a Unix time: (year, month, day, hour, minute, second).
    public static func civil(_ seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)
    {
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 {
            rest += 86_400
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day), Int(rest / 3_600), Int(rest % 3_600 / 60), Int(rest % 60))
    }

    /// RFC 3339 text such as "2026-10-01T00:00:00Z".
    public static func iso8601(_ seconds: Int64) -> String {
        let c = civil(seconds)
        return
            "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }

    /// GeneralizedTime digits without the zone, "20261001000000", as mbedTLS's certificate writer wants.
    public static func compactDigits(_ seconds: Int64) -> String {
        let c = civil(seconds)
        return
            "\(pad(c.year, 4))\(pad(c.month, 2))\(pad(c.day, 2))\(pad(c.hour, 2))\(pad(c.minute, 2))\(pad(c.second, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
