//! anescode.v1.CodeCatalog.

use anescode_codes::icd10cm::{Icd10Cm, Icd10Error};
use anescode_codes::{Code, CodeKind, SearchQuery, Subsection};
use jiff::tz::TimeZone;
use tonic::{Request, Response, Status};

use crate::convert::anesthesia_code;
use crate::error::{ServiceError, preview};
use crate::pb;
use crate::pb::code_catalog_server::CodeCatalog;
use crate::readiness::Readiness;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;

/// Answers catalog look-ups.
#[derive(Debug, Clone)]
pub(crate) struct CatalogService {
    readiness: Readiness,
}

impl CatalogService {
    pub(crate) fn new(readiness: Readiness) -> Self {
        CatalogService { readiness }
    }
}

#[tonic::async_trait]
impl CodeCatalog for CatalogService {
    async fn get_code(
        &self,
        request: Request<pb::GetCodeRequest>,
    ) -> Result<Response<pb::GetCodeResponse>, Status> {
        let catalog = self.readiness.coder()?.catalog();
        let pb::GetCodeRequest { code } = request.into_inner();
        let parsed: Code = code
            .trim()
            .parse()
            .map_err(|e| ServiceError::InvalidArgument(format!("code {}: {e}", preview(&code))))?;
        let entry = catalog
            .get(parsed)
            .ok_or_else(|| ServiceError::NotFound(format!("{parsed} is not in the catalog")))?;
        Ok(Response::new(pb::GetCodeResponse {
            code: Some(anesthesia_code(entry, catalog.schedule())),
        }))
    }

    async fn search_codes(
        &self,
        request: Request<pb::SearchCodesRequest>,
    ) -> Result<Response<pb::SearchCodesResponse>, Status> {
        let catalog = self.readiness.coder()?.catalog();
        let pb::SearchCodesRequest {
            query,
            subsection,
            page_size,
            page_token,
        } = request.into_inner();
        let subsection = match subsection {
            0 => None,
            n if Subsection::by_number(n).is_some() => Some(n),
            n => {
                return Err(ServiceError::InvalidArgument(format!(
                    "subsection {n} does not exist; use 1-19, or 0 for all"
                ))
                .into());
            }
        };
        let limit = page_limit(page_size);
        let fingerprint = PageToken::fingerprint(&query, subsection);
        let offset = PageToken::parse(&page_token, fingerprint)?;
        let page = catalog
            .search(&SearchQuery {
                text: &query,
                subsection,
                offset,
                limit,
            })
            .map_err(|e| ServiceError::InvalidArgument(e.to_string()))?;
        Ok(Response::new(pb::SearchCodesResponse {
            codes: page
                .entries
                .iter()
                .map(|entry| anesthesia_code(entry, catalog.schedule()))
                .collect(),
            next_page_token: page
                .next_offset
                .map(|offset| {
                    PageToken {
                        offset,
                        fingerprint,
                    }
                    .to_string()
                })
                .unwrap_or_default(),
            total_matches: u32::try_from(page.total).unwrap_or(u32::MAX),
        }))
    }

    async fn get_catalog_info(
        &self,
        _request: Request<pb::GetCatalogInfoRequest>,
    ) -> Result<Response<pb::GetCatalogInfoResponse>, Status> {
        let coder = self.readiness.coder()?;
        let catalog = coder.catalog();
        let diagnoses = coder.diagnoses();
        let today = TimeZone::UTC.to_datetime(jiff::Timestamp::now()).date();
        let active: Vec<_> = catalog
            .entries()
            .iter()
            .filter(|e| e.kind == CodeKind::Anesthesia && e.is_active_on(today))
            .collect();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let schedule = catalog.schedule();
        let (embedded_default, file) = match schedule.origin() {
            anescode_codes::ScheduleOrigin::Embedded => (true, String::new()),
            anescode_codes::ScheduleOrigin::File(path) => (false, path.display().to_string()),
        };
        Ok(Response::new(pb::GetCatalogInfoResponse {
            catalog_version: catalog.version().to_owned(),
            code_count: count(catalog.entries().len()),
            active_anesthesia_code_count: count(active.len()),
            priced_code_count: count(active.iter().filter(|e| e.base_units.is_some()).count()),
            unpriced_codes: active
                .iter()
                .filter(|e| e.base_units.is_none())
                .map(|e| e.code.to_string())
                .collect(),
            qualifying_circumstance_code_count: count(
                catalog
                    .entries()
                    .iter()
                    .filter(|e| e.kind == CodeKind::QualifyingCircumstance)
                    .count(),
            ),
            base_unit_schedule: Some(pb::BaseUnitSchedule {
                id: schedule.id().to_owned(),
                name: schedule.name().to_owned(),
                effective_date: schedule.effective().to_string(),
                embedded_default,
                file,
                code_count: count(schedule.len()),
            }),
            crosswalk: Some(
                catalog
                    .crosswalk()
                    .map_or_else(pb::Crosswalk::default, |crosswalk| pb::Crosswalk {
                        loaded: true,
                        file: crosswalk.file().display().to_string(),
                        surgical_code_count: count(crosswalk.surgical_code_count()),
                        mapping_count: count(crosswalk.mapping_count()),
                    }),
            ),
            subsections: Subsection::all().iter().map(Into::into).collect(),
            icd10cm_release: diagnoses.release().to_owned(),
            icd10cm_billable_count: diagnoses.billable_count(),
            icd10cm_code_count: count(diagnoses.code_count()),
            icd10cm_releases: coder
                .releases()
                .iter()
                .map(|r| pb::Icd10CmRelease {
                    name: r.set.release().to_owned(),
                    effective_from: r.effective_from.to_string(),
                    billable_count: r.set.billable_count(),
                    code_count: count(r.set.code_count()),
                })
                .collect(),
        }))
    }

    async fn get_diagnosis(
        &self,
        request: Request<pb::GetDiagnosisRequest>,
    ) -> Result<Response<pb::GetDiagnosisResponse>, Status> {
        let coder = self.readiness.coder()?;
        let pb::GetDiagnosisRequest {
            code,
            date_of_service,
        } = request.into_inner();
        let set = release_for(coder, &date_of_service)?;
        let diagnosis = set.lookup(&code).map_err(|error| match error {
            Icd10Error::Malformed(_) => ServiceError::InvalidArgument(format!(
                "{} is not shaped like an ICD-10-CM code",
                preview(&code)
            )),
            Icd10Error::Unknown(..) => ServiceError::NotFound(error.to_string()),
        })?;
        Ok(Response::new(pb::GetDiagnosisResponse {
            diagnosis: Some(diagnosis.into()),
        }))
    }

    async fn search_diagnoses(
        &self,
        request: Request<pb::SearchDiagnosesRequest>,
    ) -> Result<Response<pb::SearchDiagnosesResponse>, Status> {
        let coder = self.readiness.coder()?;
        let pb::SearchDiagnosesRequest {
            query,
            page_size,
            page_token,
            date_of_service,
        } = request.into_inner();
        let set = release_for(coder, &date_of_service)?;
        let limit = page_limit(page_size);
        let fingerprint =
            PageToken::fingerprint(&format!("icd10cm:{}:{query}", set.release()), None);
        let offset = PageToken::parse(&page_token, fingerprint)?;
        let found = set
            .search(&query)
            .map_err(|e| ServiceError::InvalidArgument(e.to_string()))?;
        let end = offset.saturating_add(limit).min(found.len());
        let page = found.get(offset..end).unwrap_or_default();
        Ok(Response::new(pb::SearchDiagnosesResponse {
            diagnoses: page.iter().map(|d| (*d).into()).collect(),
            next_page_token: if end < found.len() {
                PageToken {
                    offset: end,
                    fingerprint,
                }
                .to_string()
            } else {
                String::new()
            },
            total_matches: u32::try_from(found.len()).unwrap_or(u32::MAX),
        }))
    }
}

/// The ICD-10-CM release a look-up asks for: the one in force on its date of
/// service, or the newest when none is given.
fn release_for(
    coder: &anescode_validation::Coder,
    date_of_service: &str,
) -> Result<&'static Icd10Cm, ServiceError> {
    if date_of_service.is_empty() {
        return Ok(coder.diagnoses());
    }
    let date: jiff::civil::Date = date_of_service.parse().map_err(|_| {
        ServiceError::InvalidArgument(format!(
            "date_of_service {} is not a date written YYYY-MM-DD",
            preview(date_of_service)
        ))
    })?;
    Ok(coder.releases().for_date(Some(date)).0.set)
}

/// The page size a request asks for: 0 is the default, large values are capped.
fn page_limit(page_size: u32) -> usize {
    match usize::try_from(page_size).unwrap_or(MAX_PAGE_SIZE) {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    }
}

/// A search page token: the offset of the next page, tied to the query it
/// belongs to so that a token is not replayed against another search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PageToken {
    offset: usize,
    fingerprint: u32,
}

impl PageToken {
    /// FNV-1a over the query and subsection: stable across restarts and builds.
    fn fingerprint(query: &str, subsection: Option<u32>) -> u32 {
        let subsection = subsection.unwrap_or(0).to_le_bytes();
        query
            .trim()
            .bytes()
            .chain(subsection)
            .fold(0x811c_9dc5_u32, |hash, byte| {
                (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
            })
    }

    /// The offset a token stands for; the empty token is the first page.
    fn parse(token: &str, fingerprint: u32) -> Result<usize, ServiceError> {
        if token.is_empty() {
            return Ok(0);
        }
        let invalid = || {
            ServiceError::InvalidArgument(format!(
                "page_token {} is not a next_page_token of this search",
                preview(token)
            ))
        };
        let (offset, mark) = token.split_once('.').ok_or_else(invalid)?;
        let offset: usize = offset.parse().map_err(|_| invalid())?;
        let mark = u32::from_str_radix(mark, 16).map_err(|_| invalid())?;
        if mark == fingerprint {
            Ok(offset)
        } else {
            Err(invalid())
        }
    }
}

impl std::fmt::Display for PageToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{:08x}", self.offset, self.fingerprint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_are_tied_to_their_search() {
        let fingerprint = PageToken::fingerprint("breast", None);
        let token = PageToken {
            offset: 50,
            fingerprint,
        }
        .to_string();
        assert_eq!(PageToken::parse(&token, fingerprint).ok(), Some(50));
        assert_eq!(PageToken::parse("", fingerprint).ok(), Some(0));
        let other = PageToken::fingerprint("breast", Some(3));
        assert!(PageToken::parse(&token, other).is_err());
        assert!(PageToken::parse("fifty", fingerprint).is_err());
    }
}
