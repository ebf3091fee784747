package audit

// OriginFor is the checkpoint origin (and note key name) of an organisation's
// audit log: "schakel.audit/<OIN>". A recipient verifies a holder's
// checkpoint against the origin of the OIN in the holder's certificate.
func OriginFor(oin string) string { return "schakel.audit/" + oin }

// ParseCanonicalBody decodes a record from its canonical body, as a holder
// sends it with its audit proof. Unknown fields and versions are refused.
func ParseCanonicalBody(body []byte) (*Record, error) {
	r, err := decodeBody(body)
	if err != nil {
		return nil, err
	}
	return &r, nil
}
