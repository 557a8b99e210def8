//! One fixture per kind of personal data, and the look-alikes that must stay as written.

use super::*;

fn masker() -> Masker {
    Masker::with_key([7; 32], ["AppleSupport", "@sprintcare", "AmericanAir"])
}

#[test]
fn private_handles_get_a_stable_pseudonym_and_company_accounts_stay() {
    let m = masker();
    let out = m.text("@115712 @AppleSupport my phone died. cc @JaneDoe_88 and @115712 again");
    let p = format!("@{}", m.pseudonym("115712"));
    let q = format!("@{}", m.pseudonym("janedoe_88"));
    assert_eq!(
        out,
        format!("{p} @AppleSupport my phone died. cc {q} and {p} again")
    );
    assert!(
        p.starts_with("@user_") && p.len() == "@user_".len() + 8,
        "{p}"
    );
    assert_ne!(p, q);
    // Case does not make another person.
    assert_eq!(m.pseudonym("@JaneDoe_88"), m.pseudonym("janedoe_88"));
    // Company accounts in any case.
    assert_eq!(m.text("thanks @SPRINTCARE!"), "thanks @SPRINTCARE!");
    // Authors: companies as written, customers as pseudonyms (the handle's, without @).
    assert_eq!(m.author("AmericanAir"), "AmericanAir");
    assert_eq!(m.author("115712"), m.pseudonym("115712"));
}

#[test]
fn another_run_key_gives_unrelated_pseudonyms() {
    let a = Masker::new(["x"]);
    let b = Masker::new(["x"]);
    assert_ne!(a.pseudonym("115712"), b.pseudonym("115712"));
    assert_eq!(a.pseudonym("115712"), a.pseudonym("115712"));
}

#[test]
fn hmac_matches_rfc_4231_style_reference() {
    // HMAC-SHA256 with a 32-byte key of 0x0b and "Hi There" (computed with Python's hmac).
    let h = hmac_sha256(&[0x0b; 32], b"Hi There");
    assert_eq!(
        crate::ingest::hex(&h),
        "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"
    );
}

#[test]
fn emails() {
    let m = masker();
    assert_eq!(
        m.text("write to jane.doe+bills@example.co.uk or J_DOE@mail.com."),
        "write to [email] or [email]."
    );
    // The handle inside an e-mail address is not a handle.
    assert_eq!(m.text("me@115712.com"), "[email]");
}

#[test]
fn phone_numbers() {
    let m = masker();
    for (text, want) in [
        ("call me at 555-123-4567 today", "call me at [phone] today"),
        ("my cell (555) 123-4567", "my cell [phone]"),
        ("at 555.123.4567.", "at [phone]."),
        ("+1 555 123 4567", "[phone]"),
        ("UK: +44 20 7946 0958", "UK: [phone]"),
        (
            "ring 020 7946 0958 or 07700 900123",
            "ring [phone] or [phone]",
        ),
        ("text me 5551234567", "text me [phone]"),
    ] {
        assert_eq!(m.text(text), want, "{text}");
    }
}

#[test]
fn card_numbers_pass_luhn() {
    let m = masker();
    assert_eq!(
        m.text("charged my card 4111 1111 1111 1111 twice"),
        "charged my card [card] twice"
    );
    assert_eq!(m.text("5500-0000-0000-0004"), "[card]");
    // Sixteen digits that fail the check are no card.
    assert_eq!(m.text("4111 1111 1111 1112"), "4111 1111 1111 1112");
}

#[test]
fn account_numbers() {
    let m = masker();
    assert_eq!(
        m.text("account number 00123456789 was closed"),
        "account number [account] was closed"
    );
    assert_eq!(m.text("Acct #: 9876-5432"), "Acct #: [account]");
    assert_eq!(m.text("policy no. 77812345"), "policy no. [account]");
    assert_eq!(
        m.text("IBAN GB29 NWBK 6016 1331 9268 19 please"),
        "IBAN [account] please"
    );
}

#[test]
fn street_addresses() {
    let m = masker();
    assert_eq!(
        m.text("delivered to 221B Baker Street, London"),
        "delivered to [address], London"
    );
    assert_eq!(
        m.text("I live at 1600 Pennsylvania Avenue NW"),
        "I live at [address]"
    );
    assert_eq!(m.text("42 W 42nd St Apt 5C"), "[address]");
    assert_eq!(m.text("send it to P.O. Box 1234"), "send it to [address]");
}

#[test]
fn look_alikes_stay_as_written() {
    let m = masker();
    for text in [
        // Dates and times.
        "on 2017-10-31 at 22:10:47, again 10/31/2017 10:45 pm",
        "Tue Oct 31 22:10:47 +0000 2017, Wed Nov 01 10:00:00 +1000 2017",
        // Prices and amounts.
        "refund me over AUD1700 or $1,234.56",
        // Flight numbers, order, case, tracking and confirmation numbers.
        "flight UA 1234 and AA1234, flight number 2201",
        "order #123-456-7890 still not here",
        "tracking number 1Z999AA10123456784",
        "tracking 9400111899223856925847 says delivered",
        "case 01234567 and ticket #5551234567",
        "confirmation code ABC123",
        // Toll-free service lines are the company's.
        "called 1-800-275-2273 and (888) 555-1212",
        // A durations, a ZIP code, a web address.
        "a 10 minute drive from 90210",
        "see https://t.co/zRrkpVcaDF or www.example.com/@someone",
        // Company accounts.
        "@AppleSupport @AmericanAir",
    ] {
        assert_eq!(m.text(text), text, "{text}");
    }
}

#[test]
fn spans_follow_the_masked_text() {
    let m = masker();
    let text = "hi @115712, email me at a@b.com about the refund";
    let start = text.find("refund").unwrap();
    let (out, spans) = m.text_keeping(text, &[(start, start + 6), (3, 10), (5, 8)]);
    let p = format!("@{}", m.pseudonym("115712"));
    assert_eq!(&out[spans[0].0..spans[0].1], "refund");
    // A span that is the handle covers the pseudonym; one inside it too.
    assert_eq!(&out[spans[1].0..spans[1].1], p);
    assert_eq!(&out[spans[2].0..spans[2].1], p);
}

#[test]
fn parts_are_masked_as_one_text() {
    let m = masker();
    // The number crosses the boundary between context and match.
    let parts = m.parts(&["call 555-12", "3-4567", " now"]);
    assert_eq!(parts.concat(), "call [phone] now");
    assert_eq!(parts[2], " now");
}

#[test]
fn unmasked_shows_everything() {
    let m = Masker::unmasked();
    let text = "@115712 jane@example.com 555-123-4567";
    assert_eq!(m.text(text), text);
    assert_eq!(m.author("115712"), "115712");
    assert_eq!(m.mode(), Mode::Unmasked);
}
