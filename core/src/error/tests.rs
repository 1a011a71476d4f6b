use super::*;

fn api(status: u16, code: &str, retry_safe: bool) -> Error {
    Error::Api(Box::new(ApiError {
        status,
        code: code.into(),
        description: Some("Transaction is not reserved".into()),
        uri: None,
        properties: None,
        data: None,
        correlation_id: Some("abc-123".into()),
        retry_after: None,
        method: "PUT".into(),
        path: "/rest/v1/transaction/K/confirm".into(),
        retry_safe,
        after_unknown_outcome: false,
    }))
}

#[test]
fn display_names_request_and_correlation_id() {
    let e = api(409, "invalid_state", false);
    let s = e.to_string();
    assert!(s.contains("409 invalid_state"), "{s}");
    assert!(s.contains("PUT /rest/v1/transaction/K/confirm"), "{s}");
    assert!(s.contains("abc-123"), "{s}");
    assert_eq!(e.code(), "invalid_state");
    assert_eq!(e.http_status(), Some(409));
    assert_eq!(e.correlation_id(), Some("abc-123"));
    assert!(!e.is_retryable());
}

#[test]
fn transport_errors_say_whether_the_request_was_sent() {
    let e = Error::Transport {
        method: "POST".into(),
        path: "/rest/v1/transaction".into(),
        message: "connection reset".into(),
        may_have_been_applied: true,
        retry_safe: false,
    };
    assert!(e.to_string().contains("may have applied"));
    assert!(e.outcome_unknown());
    assert!(!e.is_retryable());
    assert_eq!(e.code(), "transport_error");
}

#[test]
fn api_errors_are_classified_by_code_then_status() {
    let kind = |status, code: &str| api(status, code, false).kind();
    assert_eq!(kind(409, "invalid_state"), ErrorKind::InvalidState);
    assert_eq!(kind(400, "invalid_grant"), ErrorKind::Authentication);
    assert_eq!(kind(400, "invalid_request"), ErrorKind::InvalidParameters);
    assert_eq!(kind(401, "some_new_code"), ErrorKind::Authentication);
    assert_eq!(kind(404, "gone_elsewhere"), ErrorKind::NotFound);
    assert_eq!(kind(409, "conflict"), ErrorKind::InvalidState);
    assert_eq!(kind(429, "slow_down"), ErrorKind::RateLimit);
    assert_eq!(kind(403, "forbidden"), ErrorKind::Api);
    assert_eq!(kind(503, "service_unavailable"), ErrorKind::Api);
}

#[test]
fn every_kind_has_a_record_and_a_distinct_name() {
    let records = [
        r#"{"variant":"api","status":500,"method":"GET","path":"/a"}"#,
        r#"{"variant":"api","status":409,"method":"GET","path":"/a"}"#,
        r#"{"variant":"api","status":404,"method":"GET","path":"/a"}"#,
        r#"{"variant":"api","status":401,"method":"GET","path":"/a"}"#,
        r#"{"variant":"api","status":400,"code":"invalid_parameters","method":"GET","path":"/a"}"#,
        r#"{"variant":"api","status":429,"method":"GET","path":"/a"}"#,
        r#"{"variant":"transport","method":"GET","path":"/a","message":"m","may_have_been_applied":false,"retry_safe":true}"#,
        r#"{"variant":"timeout","method":"GET","path":"/a","timeout_ms":5,"may_have_been_applied":true,"retry_safe":true}"#,
        r#"{"variant":"decode","method":"GET","path":"/a","status":200,"message":"m"}"#,
        r#"{"variant":"invalid_input","message":"m"}"#,
        r#"{"variant":"invalid_qr","message":"m"}"#,
        r#"{"variant":"lifecycle","message":"m"}"#,
        r#"{"variant":"io","message":"m"}"#,
        r#"{"variant":"store","message":"m"}"#,
        r#"{"variant":"internal","message":"m"}"#,
    ];
    let kinds: Vec<ErrorKind> = records
        .iter()
        .map(|r| Error::from_record(r).unwrap().kind())
        .collect();
    assert_eq!(kinds, ErrorKind::ALL);
    let names: std::collections::HashSet<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(names.len(), ErrorKind::ALL.len());
    for k in ErrorKind::ALL {
        assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
    }
    assert!(Error::from_record(r#"{"variant":"nope"}"#).is_err());
}

#[test]
fn info_carries_every_field() {
    let mut e = api(429, "rate_limit_exceeded", true);
    if let Error::Api(a) = &mut e {
        a.retry_after = Some(Duration::from_millis(1500));
    }
    let info = e.info();
    assert_eq!(info.kind, ErrorKind::RateLimit);
    assert_eq!(info.code, "rate_limit_exceeded");
    assert_eq!(info.status, Some(429));
    assert_eq!(info.correlation_id.as_deref(), Some("abc-123"));
    assert!(info.retryable && !info.outcome_unknown);
    assert_eq!(info.retry_after_ms, Some(1500));
    assert_eq!(info.method.as_deref(), Some("PUT"));
    assert_eq!(info.path.as_deref(), Some("/rest/v1/transaction/K/confirm"));
    assert_eq!(info.message, e.to_string());

    let t = Error::Timeout {
        method: "GET".into(),
        path: "/p".into(),
        timeout: Duration::from_millis(250),
        may_have_been_applied: true,
        retry_safe: true,
    }
    .info();
    assert_eq!((t.kind, t.timeout_ms), (ErrorKind::Timeout, Some(250)));
    assert_eq!(
        (t.method.as_deref(), t.path.as_deref()),
        (Some("GET"), Some("/p"))
    );

    let refused = Error::refused(404, "not_found", "no such spot", None);
    assert_eq!(refused.to_string(), "404 not_found: no such spot");
    let r = refused.info();
    assert_eq!(
        (r.kind, r.method, r.path),
        (ErrorKind::NotFound, None, None)
    );

    let store = Error::Store("store /x: cannot write: disk full".into()).info();
    assert_eq!(
        (store.kind, store.code.as_str()),
        (ErrorKind::Store, "store_error")
    );
    assert!(!store.retryable && !store.outcome_unknown);
}

#[test]
fn snippet_is_bounded_and_printable() {
    let body = format!("<html>\n{}</html>", "x".repeat(500));
    let s = snippet(body.as_bytes());
    assert!(s.chars().count() <= 201);
    assert!(!s.contains('\n'));
}
