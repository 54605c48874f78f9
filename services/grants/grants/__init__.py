"""Grant cases (§ 91a): Prequalification applications, comprehensive plans and commitments for the social housing effort and rent support from Landsbyggefonden."""
