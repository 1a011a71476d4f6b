//! Reading a scanned string back into a [`QrCode`], with an error that says what is wrong.

use super::{
    ACCEPTED_TEMPLATES, APP_LINK_PREFIX, QrCode, QrError, SPOT_PREFIX, TRANSACTION_PREFIX,
    WALLET_DIGITS, WALLET_PREFIX, describe_char, nested_app_link_error, quoted,
    validate_identifier, validate_location_id, validate_wallet_id,
};
use crate::encoding::{PercentError, form_decode};

pub(super) fn parse_spot(code: &str, rest: &str) -> Result<QrCode, QrError> {
    let Some((location, identifier)) = rest.split_once(':') else {
        return Err(QrError::new(format!(
            "spot code {} has no ':' between the location id and the identifier \
             (expected PAYSERA*{{location id}}:{{identifier}}, e.g. PAYSERA*1:table1)",
            quoted(code)
        )));
    };
    let location_id = parse_location_id(code, location)?;
    validate_identifier(identifier)?;
    Ok(QrCode::Spot {
        location_id,
        identifier: identifier.to_owned(),
    })
}

fn parse_location_id(code: &str, location: &str) -> Result<u64, QrError> {
    if location.is_empty() {
        return Err(QrError::new(format!(
            "spot code {} has no location id before ':' \
             (expected PAYSERA*{{location id}}:{{identifier}}, e.g. PAYSERA*1:table1)",
            quoted(code)
        )));
    }
    if let Some(c) = location.chars().find(|c| !c.is_ascii_digit()) {
        return Err(QrError::new(format!(
            "location id {} must contain only digits 0-9, but it contains {}",
            quoted(location),
            describe_char(c)
        )));
    }
    if location.len() > 1 && location.starts_with('0') {
        return Err(QrError::new(format!(
            "location id {} must not start with 0",
            quoted(location)
        )));
    }
    let location_id = location.parse::<u64>().map_err(|_| {
        QrError::new(format!(
            "location id {} is too large (the largest is {})",
            quoted(location),
            u64::MAX
        ))
    })?;
    validate_location_id(location_id)?;
    Ok(location_id)
}

pub(super) fn parse_wallet(code: &str, digits: &str) -> Result<QrCode, QrError> {
    if digits.is_empty() {
        return Err(QrError::new(format!(
            "wallet code {} has no wallet id after \"EVP\" (expected 12 digits, e.g. EVP000000000001)",
            quoted(code)
        )));
    }
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(QrError::new(format!(
            "wallet id {} must contain only digits 0-9, but it contains {}",
            quoted(digits),
            describe_char(c)
        )));
    }
    if digits.len() > WALLET_DIGITS {
        return Err(QrError::new(format!(
            "wallet id {} is longer than 12 digits",
            quoted(digits)
        )));
    }
    if digits.len() < WALLET_DIGITS {
        return Err(QrError::new(format!(
            "wallet id {} must be zero-padded to 12 digits (e.g. EVP{digits:0>12})",
            quoted(digits)
        )));
    }
    // Exactly 12 ASCII digits: always fits in a u64.
    let wallet_id = digits
        .parse::<u64>()
        .map_err(|_| QrError::new(format!("wallet id {} is not a number", quoted(digits))))?;
    validate_wallet_id(wallet_id)?;
    Ok(QrCode::Wallet { wallet_id })
}

pub(super) fn parse_app_link(value: &str) -> Result<QrCode, QrError> {
    if value.is_empty() {
        return Err(QrError::new(
            "app link has an empty qr value: expected https://paysera.com/app?qr={code}",
        ));
    }
    if let Some(pos) = value.find('#') {
        return Err(QrError::new(format!(
            "app link must not have a fragment, but it ends with {}",
            quoted(&value[pos..])
        )));
    }
    if let Some(pos) = value.find('&') {
        return Err(QrError::new(format!(
            "app link must have only the qr parameter, but it has extra query parameters {}",
            quoted(&value[pos..])
        )));
    }
    if let Some(c) = value.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(QrError::new(format!(
            "app link contains {}, which must be percent-encoded",
            describe_char(c)
        )));
    }
    let bytes = percent_decode(value)?;
    let inner = String::from_utf8(bytes).map_err(|_| {
        QrError::new(format!(
            "app link qr value {} is not valid UTF-8 text after percent-decoding; \
             non-ASCII characters must be percent-encoded as UTF-8 bytes (e.g. ą as %C4%85)",
            quoted(value)
        ))
    })?;
    if inner.starts_with(APP_LINK_PREFIX) {
        return Err(nested_app_link_error());
    }
    match QrCode::parse(&inner) {
        Ok(QrCode::AppLink(_)) => Err(nested_app_link_error()),
        Ok(code) => Ok(QrCode::AppLink(Box::new(code))),
        Err(e) => Err(QrError::new(format!(
            "app link contains an invalid code: {}",
            e.reason
        ))),
    }
}

pub(super) fn unknown_prefix_error(s: &str) -> QrError {
    if s.starts_with('\u{feff}') {
        return QrError::new(format!(
            "QR code {} starts with an invisible byte order mark (U+FEFF); remove it",
            quoted(s)
        ));
    }
    if let Some(after) = s.strip_prefix("PAYSERA") {
        let found = match after.chars().next() {
            Some(c) => describe_char(c),
            None => "nothing".to_owned(),
        };
        return QrError::new(format!(
            "unknown Paysera code {}: after \"PAYSERA\" expected '%' (transaction) or '*' (spot), found {found}",
            quoted(s)
        ));
    }
    let starts_with_ignoring_case = |prefix: &str| {
        s.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    if [TRANSACTION_PREFIX, SPOT_PREFIX, WALLET_PREFIX]
        .into_iter()
        .any(starts_with_ignoring_case)
    {
        return QrError::new(format!(
            "QR code {} must start with an upper-case prefix: {ACCEPTED_TEMPLATES}",
            quoted(s)
        ));
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.contains("paysera.") {
        return QrError::new(format!(
            "app link {} must start with exactly \"{APP_LINK_PREFIX}\"",
            quoted(s)
        ));
    }
    QrError::new(format!(
        "unrecognised QR code {}: it must start with {ACCEPTED_TEMPLATES}",
        quoted(s)
    ))
}

/// Decodes `%XX` escapes and `+` (space) of a query value into bytes.
fn percent_decode(value: &str) -> Result<Vec<u8>, QrError> {
    form_decode(value.as_bytes()).map_err(|e| {
        let (PercentError::Truncated { at } | PercentError::BadHex { at }) = e;
        let escape: String = value[at..].chars().take(3).collect();
        QrError::new(match e {
            PercentError::Truncated { .. } => format!(
                "app link has a truncated percent-encoding {} at the end: '%' must be followed by two hex digits",
                quoted(&escape)
            ),
            PercentError::BadHex { .. } => format!(
                "app link has an invalid percent-encoding {}: '%' must be followed by two hex digits (0-9, A-F)",
                quoted(&escape)
            ),
        })
    })
}
