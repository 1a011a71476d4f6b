//! TLS for the Postgres store, with libpq's meaning of `sslmode` and `sslrootcert`, over rustls
//! (already in the build for HTTPS). Managed databases (RDS, Cloud SQL, Azure, Neon, Supabase,
//! Heroku) need it.
//!
//! | `sslmode` | TLS | certificate checked |
//! |---|---|---|
//! | `disable` | never | — |
//! | `prefer` (the default) | when the server offers it | only with `sslrootcert=<file>`: its chain |
//! | `require` | always | only with `sslrootcert=<file>`: its chain |
//! | `verify-ca` | always | its chain, to `sslrootcert=<file>` |
//! | `verify-full` | always | its chain, to `sslrootcert=<file>` or the system's CAs (`sslrootcert=system`), and the host name |
//!
//! Unlike libpq, `~/.postgresql/root.crt` is not read: a verifying mode names its roots. Client
//! certificates (`sslcert`, `sslkey`) and channel binding are not supported.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect};

use crate::error::Error;

/// `sslmode`, as libpq spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    const NAMES: [(&'static str, Mode); 5] = [
        ("disable", Mode::Disable),
        ("prefer", Mode::Prefer),
        ("require", Mode::Require),
        ("verify-ca", Mode::VerifyCa),
        ("verify-full", Mode::VerifyFull),
    ];

    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("", |(n, _)| n)
    }

    /// What tokio-postgres is told: whether TLS is tried, and whether it is required.
    pub(super) fn ssl_mode(self) -> SslMode {
        match self {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }
}

/// `sslrootcert`: a PEM file of CA certificates, or `system`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RootCert {
    File(String),
    System,
}

/// The TLS settings of a store URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TlsOptions {
    pub(super) mode: Mode,
    pub(super) root: Option<RootCert>,
}

impl TlsOptions {
    /// From the `sslmode` and `sslrootcert` values (percent-decoded) of a URL, checked together.
    pub(super) fn new(
        mode: Option<&str>,
        root: Option<String>,
        location: &str,
    ) -> Result<Self, Error> {
        let invalid = |why: String| Error::InvalidInput(format!("store {location}: {why}"));
        let mode = match mode {
            None => Mode::Prefer,
            Some(value) => Mode::NAMES
                .iter()
                .find(|(name, _)| *name == value)
                .map(|(_, m)| *m)
                .ok_or_else(|| {
                    invalid(format!(
                        "sslmode must be disable, prefer, require, verify-ca or verify-full, not {value:?}"
                    ))
                })?,
        };
        let root = match root.as_deref() {
            None => None,
            Some("") => return Err(invalid("sslrootcert is empty".into())),
            Some("system") => Some(RootCert::System),
            Some(path) => Some(RootCert::File(path.to_owned())),
        };
        match (mode, &root) {
            (Mode::Disable, Some(_)) => Err(invalid(
                "sslrootcert is given with sslmode=disable, which never checks a certificate"
                    .into(),
            )),
            (Mode::VerifyCa | Mode::VerifyFull, None) => Err(invalid(format!(
                "sslmode={} needs sslrootcert=/path/to/ca.pem (the CA certificates to trust), \
                 or sslrootcert=system with sslmode=verify-full",
                mode.name()
            ))),
            (Mode::Prefer | Mode::Require | Mode::VerifyCa, Some(RootCert::System)) => {
                Err(invalid(format!(
                    "sslrootcert=system needs sslmode=verify-full, not sslmode={}: a public CA \
                     signs certificates for any host name",
                    mode.name()
                )))
            }
            _ => Ok(Self { mode, root }),
        }
    }

    /// The connector: reads `sslrootcert` now, so that a missing or unreadable file is reported
    /// when the store opens, not at some later reconnection.
    pub(super) fn connector(&self, location: &str) -> Result<Tls, Error> {
        let provider = crate::client::crypto_provider();
        let roots = match &self.root {
            Some(RootCert::File(path)) => Some(Arc::new(read_roots(path, location)?)),
            _ => None,
        };
        let failed =
            |e: &dyn std::fmt::Display| Error::InvalidInput(format!("store {location}: TLS: {e}"));
        let verifier: Arc<dyn ServerCertVerifier> = match (self.mode, roots) {
            (Mode::VerifyFull, Some(roots)) => {
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                    .build()
                    .map_err(|e| failed(&e))?
            }
            (Mode::VerifyFull, None) => crate::client::platform_verifier(&provider)?,
            (_, roots) => Arc::new(ChainCheck {
                roots,
                provider: provider.clone(),
            }),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|e| failed(&e))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(Tls(Arc::new(config)))
    }
}

fn read_roots(path: &str, location: &str) -> Result<RootCertStore, Error> {
    let bad =
        |why: String| Error::InvalidInput(format!("store {location}: sslrootcert {path:?}: {why}"));
    let pem = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| bad(format!("not a PEM file of certificates: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| bad(format!("holds a certificate that cannot be a CA: {e}")))?;
    }
    if roots.is_empty() {
        return Err(bad("holds no PEM certificate".into()));
    }
    Ok(roots)
}

/// The certificate check of every mode but `verify-full`. With `roots` (`verify-ca`, and
/// `prefer` or `require` with `sslrootcert`) the certificate must chain to one of them; the host
/// name is not compared. Without (`prefer` and `require`, as libpq), the connection is encrypted
/// and the server proves it holds the key of the certificate it sent, but nothing says whose it
/// is.
#[derive(Debug)]
struct ChainCheck {
    roots: Option<Arc<RootCertStore>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainCheck {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.provider.signature_verification_algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The connector handed to tokio-postgres, one per store.
#[derive(Clone)]
pub(super) struct Tls(Arc<rustls::ClientConfig>);

impl<S> MakeTlsConnect<S> for Tls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type TlsConnect = Connect;
    type Error = io::Error;

    // Called for every host, with "" for a Unix socket (where TLS is never tried): the name is
    // checked when a handshake starts.
    fn make_tls_connect(&mut self, domain: &str) -> Result<Connect, io::Error> {
        Ok(Connect {
            config: self.0.clone(),
            domain: domain.to_owned(),
        })
    }
}

/// One connection's handshake.
pub(super) struct Connect {
    config: Arc<rustls::ClientConfig>,
    domain: String,
}

impl<S> TlsConnect<S> for Connect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = TlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<TlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            let name = ServerName::try_from(self.domain.clone()).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{:?} is not a host name TLS can check", self.domain),
                )
            })?;
            let stream = tokio_rustls::TlsConnector::from(self.config)
                .connect(name, stream)
                .await?;
            Ok(TlsStream(stream))
        })
    }
}

/// An encrypted connection to the server.
pub(super) struct TlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> tokio_postgres::tls::TlsStream for TlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}
