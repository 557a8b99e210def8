//! Stated response times: "5 minutes", "half an hour", "a few days" in seconds.

/// Seconds for "5 minutes", "half an hour", "a few days". None when the number is missing
/// and the unit is plural ("within minutes" is not a count).
pub fn duration(n: Option<&str>, unit: &str) -> Option<f64> {
    let unit = unit.to_ascii_lowercase();
    let per = if unit.starts_with("sec") {
        1.0
    } else if unit.starts_with("min") {
        60.0
    } else if unit.starts_with("h") {
        3600.0
    } else if unit.starts_with("day") {
        86_400.0
    } else if unit.starts_with("week") {
        604_800.0
    } else if unit.starts_with("month") {
        2_592_000.0
    } else {
        return None;
    };
    let plural =
        unit.ends_with('s') && !unit.starts_with("sec") || unit == "seconds" || unit == "secs";
    let n = match n.map(|s| s.trim().to_ascii_lowercase()) {
        None => {
            if plural {
                return None;
            }
            1.0
        }
        Some(s) => match s.as_str() {
            "a" | "an" | "one" => 1.0,
            "half a" | "half an" => 0.5,
            "two" | "a couple of" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "fifteen" => 15.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty-five" => 45.0,
            "sixty" => 60.0,
            "a few" | "few" | "several" => 3.0,
            other => other.parse::<f64>().ok()?,
        },
    };
    Some(n * per)
}
