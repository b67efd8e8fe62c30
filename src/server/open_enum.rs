//! `open_enum!`: a string enum of Fintoc's that keeps values this crate does not know yet
//! (`Unknown(String)`), reads and writes them as Fintoc spells them, and never fails to parse.

/// Declares an open string enum: the listed variants, plus `Unknown(String)`.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $text:literal, )* }) => {
        $(#[$meta])*
        ///
        /// An open enum: a value Fintoc adds later reads as `Unknown` and is written back as is.
        ///
        #[doc = concat!("```\nuse fintoc_wasm::server::", stringify!($name), ";\n")]
        #[doc = concat!("let new = ", stringify!($name), "::from(\"added_in_2030\");\n")]
        #[doc = concat!("assert_eq!(new, ", stringify!($name), "::Unknown(\"added_in_2030\".into()));\n")]
        #[doc = "assert_eq!(new.as_str(), \"added_in_2030\");\n```"]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this crate does not know yet.
            Unknown(String),
        }

        impl $name {
            /// The value as Fintoc writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $text => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::from(String::deserialize(d)?.as_str()))
            }
        }
    };
}

pub(crate) use open_enum;
