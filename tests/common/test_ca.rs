//! A certificate authority made fresh in each test (rcgen), and server
//! certificates it signs: valid for loopback, for another host name, or
//! expired. The CA's PEM goes into a file the config names as `ca_file`.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

pub struct TestCa {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// What a server certificate is made for.
pub enum Leaf<'a> {
    /// `localhost` and 127.0.0.1, valid now.
    Loopback,
    /// Only this DNS name (not what the client dials).
    OtherHost(&'a str),
    /// Loopback names, but it expired in 2021.
    Expired,
}

impl TestCa {
    pub fn new(name: &str) -> TestCa {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key).unwrap();
        TestCa { cert, key }
    }

    /// Writes the CA certificate as PEM (what `ca_file` names).
    pub fn write_pem(&self, path: &Path) {
        std::fs::write(path, self.cert.pem()).unwrap();
    }

    /// A server certificate chain (leaf, then this CA) and its key.
    pub fn leaf(&self, leaf: Leaf) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = KeyPair::generate().unwrap();
        let mut params = match leaf {
            Leaf::OtherHost(name) => CertificateParams::new(vec![name.to_string()]).unwrap(),
            Leaf::Loopback | Leaf::Expired => {
                let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
                p.subject_alt_names
                    .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
                p
            }
        };
        params
            .distinguished_name
            .push(DnType::CommonName, "test relay");
        if let Leaf::Expired = leaf {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (
            vec![cert.der().clone(), self.cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}
