"""What every step shares: numbers written for people, did-you-mean hints, files read and written safely."""
