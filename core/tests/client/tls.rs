//! HTTPS as production uses it: the client checks the server's certificate against the system's
//! roots, and sends SNI and ALPN `http/1.1` (the TLS settings are built once per process and
//! shared by every client).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::*;

/// What the TLS server saw of one client's handshake.
#[derive(Debug, Default, Clone, PartialEq)]
struct Hello {
    server_name: Option<String>,
    alpn: Option<Vec<u8>>,
}

/// A TLS server on 127.0.0.1 with a self-signed certificate for `localhost` (in no system's
/// roots): records each handshake's SNI and ALPN until the client gives up.
fn untrusted_server(connections: usize) -> (u16, std::thread::JoinHandle<Vec<Hello>>) {
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../data/untrusted_tls_cert.pem"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key =
        PrivateKeyDer::from_pem_slice(include_bytes!("../data/untrusted_tls_key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for stream in listener.incoming().take(connections) {
            let mut tcp = stream.unwrap();
            let mut conn = rustls::ServerConnection::new(config.clone()).unwrap();
            while conn.is_handshaking() {
                if conn.complete_io(&mut tcp).is_err() {
                    break;
                }
            }
            seen.push(Hello {
                server_name: conn.server_name().map(str::to_owned),
                alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            });
        }
        seen
    });
    (port, server)
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_by_every_client() {
    // Two clients, so that the second one uses the TLS settings the first one built.
    let (port, server) = untrusted_server(2);
    for _ in 0..2 {
        let client = Client::builder(MacCredentials::new("wkVd93h2uS", KEY).unwrap())
            .base_url(format!("https://localhost:{port}"))
            .retry_policy(RetryPolicy {
                max_retries: 0,
                ..RetryPolicy::default()
            })
            .build()
            .unwrap();
        let err = client.get_spot(1).await.unwrap_err();
        let text = format!("{err} {err:?}");
        assert_eq!(err.code(), "transport_error", "{text}");
        assert!(text.contains("certificate"), "{text}");
    }
    let seen = server.join().unwrap();
    let expected = Hello {
        server_name: Some("localhost".into()),
        alpn: Some(b"http/1.1".to_vec()),
    };
    assert_eq!(seen, vec![expected.clone(), expected]);
}
