//! `amigo serve` over TLS (rustls), with mutual TLS: certificates made for the test by rcgen.

mod common;

use std::path::Path;

use amigo::serve::TlsFiles;
use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use arrow_flight::sql::client::FlightSqlServiceClient;
use common::{PASSWORD, start_configured};
use futures::TryStreamExt;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

struct Pems {
    ca: String,
    server: (String, String),
    client: (String, String),
    stranger: (String, String),
}

/// A CA, a server certificate for localhost and a client certificate it signed, and a client
/// certificate signed by another CA.
fn certificates() -> Pems {
    let ca = || {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("ca")
    };
    let leaf = |issuer: &CertifiedIssuer<'_, KeyPair>, names: Vec<String>| {
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, issuer)
            .expect("sign");
        (cert.pem(), key.serialize_pem())
    };
    let authority = ca();
    let other = ca();
    Pems {
        ca: authority.pem(),
        server: leaf(&authority, vec!["localhost".into()]),
        client: leaf(&authority, vec!["client".into()]),
        stranger: leaf(&other, vec!["client".into()]),
    }
}

async fn tls_client(
    addr: std::net::SocketAddr,
    ca: &str,
    identity: Option<&(String, String)>,
) -> Result<FlightSqlServiceClient<Channel>, String> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some((cert, key)) = identity {
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    let channel = Channel::from_shared(format!("https://{addr}"))
        .map_err(|e| e.to_string())?
        .tls_config(tls)
        .map_err(|e| e.to_string())?
        .connect()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut client = FlightSqlServiceClient::new(channel);
    client
        .handshake("analyst_user", PASSWORD)
        .await
        .map_err(|e| format!("{e:?}"))?;
    Ok(client)
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write pem");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mutual_tls_admits_only_clients_with_a_certificate_from_the_ca() {
    let pems = certificates();
    let certs = tempfile::tempdir().expect("tempdir");
    let files = TlsFiles {
        cert: write(certs.path(), "server.pem", &pems.server.0),
        key: write(certs.path(), "server.key", &pems.server.1),
        client_ca: Some(write(certs.path(), "ca.pem", &pems.ca)),
    };
    let server = start_configured(|config| config.tls = Some(files)).await;

    let mut client = tls_client(server.addr, &pems.ca, Some(&pems.client))
        .await
        .expect("a client with a certificate from the CA");
    let info = client
        .execute("SELECT count(*) AS n FROM raw.people".to_string(), None)
        .await
        .expect("query over TLS");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let batches: Vec<_> = client
        .do_get(ticket)
        .await
        .expect("do_get")
        .try_collect()
        .await
        .expect("rows");
    assert_eq!(batches[0].column(0).as_primitive::<Int64Type>().value(0), 3);

    let no_certificate = tls_client(server.addr, &pems.ca, None).await;
    assert!(
        no_certificate.is_err(),
        "a client without a certificate got in"
    );
    let wrong_ca = tls_client(server.addr, &pems.ca, Some(&pems.stranger)).await;
    assert!(
        wrong_ca.is_err(),
        "a client certificate from another CA got in"
    );

    // Plain HTTP/2 to a TLS port gets nowhere.
    let plain = async {
        let channel = Channel::from_shared(format!("http://{}", server.addr))
            .map_err(|e| e.to_string())?
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        FlightSqlServiceClient::new(channel)
            .handshake("analyst_user", PASSWORD)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    assert!(plain.is_err(), "a plain-text client got in");
    server.stop().await;
}
