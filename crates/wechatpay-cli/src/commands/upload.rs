//! `wechatpay upload FILE`

use std::path::PathBuf;

use wechatpay_core::merchant::media::{IMAGE_LIMIT, UploadMedia, VIDEO_LIMIT};

use crate::config::{Api, Output};
use crate::failure::{self, Failure};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The image (JPG, BMP, PNG; at most 2 MiB) or video (AVI, WMV, MPEG, MP4, MOV, MKV, FLV,
    /// F4V, M4V, RMVB; at most 5 MiB) to upload. Its format is read from its content, which
    /// its name's extension must match; the name is sent as it is.
    file: PathBuf,
    #[command(flatten)]
    api: Api,
}

impl Args {
    pub fn output(&self) -> Output {
        self.api.output()
    }
}

/// What to do about a file the core refuses, by the field it names.
const FIX_FILE: &str = "upload a JPG, BMP or PNG image of at most 2 MiB, or an AVI, WMV, MPEG, MP4, \
                        MOV, MKV, FLV, F4V, M4V or RMVB video of at most 5 MiB";
const FIX_NAME: &str = "rename the file so that its extension matches its content";

pub async fn run(args: Args) -> Result<(), Failure> {
    let upload = read(&args)?;
    let http = args.api.http().await?;
    let what = format!(
        "uploading {} ({} KiB)",
        upload.multipart().filename(),
        upload.multipart().file().len().div_ceil(1024)
    );
    let uploaded = super::execute(&http, &upload, &what)
        .await
        .map_err(|error| failure::from_call(error, args.api.base_url()))?;
    match args.output() {
        Output::Json => {
            super::emit(&serde_json::json!({ "media_id": uploaded.media_id }).to_string())
        }
        // A verified answer, still printed as text that cannot drive the terminal.
        Output::Text => super::emit(&wechatpay_core::Untrusted(&uploaded.media_id).to_string()),
    }
    Ok(())
}

/// The file, checked by the core before anything is signed.
fn read(args: &Args) -> Result<UploadMedia, Failure> {
    let path = &args.file;
    let shown = path.display();
    let cannot = |e: std::io::Error| {
        Failure::usage(
            format!("cannot read {shown}: {e}"),
            "pass the path of the file to upload",
        )
    };
    // Refused before it is read: a file past every limit is not loaded into memory.
    let size = std::fs::metadata(path).map_err(cannot)?.len();
    if size > VIDEO_LIMIT as u64 {
        return Err(Failure::usage(
            format!(
                "{shown} is {size} bytes, over every upload limit ({IMAGE_LIMIT} bytes for \
                 images, {VIDEO_LIMIT} for videos)"
            ),
            FIX_FILE,
        ));
    }
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        Failure::usage(
            format!("{shown} has no file name in UTF-8"),
            "rename the file; its name is sent to WeChat Pay",
        )
    })?;
    let bytes = std::fs::read(path).map_err(cannot)?;
    UploadMedia::detect(name, bytes).map_err(|error| {
        // A file name is named by the core's message; the file's content is not.
        let about_name = matches!(
            &error,
            wechatpay_core::Error::InvalidInput { field, .. } if field == "filename"
        );
        let mut failure = Failure::from(error);
        if about_name {
            failure.next = FIX_NAME.to_owned();
        } else {
            failure.message = format!("{shown}: {}", failure.message);
            failure.next = FIX_FILE.to_owned();
        }
        failure
    })
}
