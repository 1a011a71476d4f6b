//! Status and type enums that keep values this library does not know.
//!
//! Paysera adds statuses over time; failing to decode a whole transaction
//! because of one new status string would break polling, so every enum here
//! carries an `Other(String)` fallback and serializes back to the exact string.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Generates a string-backed enum with an `Other(String)` fallback.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $($variant:ident => $wire:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )+
            /// A value not known to this version of the library, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire strings this version knows, in declaration order.
            pub const VALUES: &'static [&'static str] = &[$($wire),+];

            /// The wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Other(other) => other,
                }
            }

            /// Whether this value is one this library knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($wire => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($wire => Self::$variant,)+
                    _ => Self::Other(value),
                }
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        // Compared by wire string so that a hand-built `Other("open")`
        // equals `Open`, as it would after a round trip.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl de::Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E: de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }

                    fn visit_string<E: de::Error>(self, value: String) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                }

                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

wire_enum! {
    /// Status of a spot (a table or till with a static QR code).
    SpotStatus {
        Waiting => "waiting",
        Open => "open",
        Closed => "closed",
    }
}

wire_enum! {
    /// Status of an order attached to a spot.
    OrderStatus {
        Pending => "pending",
        Reserved => "reserved",
        Confirmed => "confirmed",
        Closed => "closed",
    }
}

wire_enum! {
    /// Status of a transaction.
    TransactionStatus {
        New => "new",
        Waiting => "waiting",
        WaitingRegistration => "waiting_registration",
        WaitingFunds => "waiting_funds",
        WaitingPassword => "waiting_password",
        Reserved => "reserved",
        Confirmed => "confirmed",
        Rejected => "rejected",
        Revoked => "revoked",
        Failed => "failed",
        Deleted => "deleted",
    }
}

impl TransactionStatus {
    /// Whether the transaction can no longer change (polling may stop).
    ///
    /// Unknown statuses are treated as not final so pollers keep watching
    /// rather than silently dropping a transaction.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Confirmed | Self::Rejected | Self::Revoked | Self::Failed | Self::Deleted
        )
    }
}

wire_enum! {
    /// How the customer reserved the transaction.
    TransactionType {
        Automatic => "automatic",
        Page => "page",
        Flash => "flash",
        Pin => "pin",
        ReservationCode => "reservation_code",
    }
}

wire_enum! {
    /// Status of a single payment inside a transaction.
    PaymentStatus {
        New => "new",
        Waiting => "waiting",
        WaitingRegistration => "waiting_registration",
        Reserved => "reserved",
        Confirmed => "confirmed",
        Done => "done",
        Rejected => "rejected",
        Revoked => "revoked",
        Failed => "failed",
        Deleted => "deleted",
        Canceled => "canceled",
    }
}

wire_enum! {
    /// Status of an allowance (a pre-approved spending limit).
    AllowanceStatus {
        New => "new",
        Active => "active",
        Inactive => "inactive",
        Deleted => "deleted",
    }
}
