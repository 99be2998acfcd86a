"""Names for the generated country-wide corpus (`thidua bench --plans N`): the 34 provinces and centrally run cities
of the 2025 reorganisation, provincial departments, and the syllables commune and ward names are made of.
Written here by hand; nothing is downloaded."""

from __future__ import annotations

# (level, name): the six centrally run cities are "thành phố", the rest "tỉnh".
PROVINCES: tuple[tuple[str, str], ...] = (
    ("thành phố", "Hà Nội"),
    ("thành phố", "Huế"),
    ("tỉnh", "Lai Châu"),
    ("tỉnh", "Điện Biên"),
    ("tỉnh", "Sơn La"),
    ("tỉnh", "Lạng Sơn"),
    ("tỉnh", "Quảng Ninh"),
    ("tỉnh", "Thanh Hóa"),
    ("tỉnh", "Nghệ An"),
    ("tỉnh", "Hà Tĩnh"),
    ("tỉnh", "Cao Bằng"),
    ("tỉnh", "Tuyên Quang"),
    ("tỉnh", "Lào Cai"),
    ("tỉnh", "Thái Nguyên"),
    ("tỉnh", "Phú Thọ"),
    ("tỉnh", "Bắc Ninh"),
    ("tỉnh", "Hưng Yên"),
    ("thành phố", "Hải Phòng"),
    ("tỉnh", "Ninh Bình"),
    ("tỉnh", "Quảng Trị"),
    ("thành phố", "Đà Nẵng"),
    ("tỉnh", "Quảng Ngãi"),
    ("tỉnh", "Gia Lai"),
    ("tỉnh", "Khánh Hòa"),
    ("tỉnh", "Lâm Đồng"),
    ("tỉnh", "Đắk Lắk"),
    ("thành phố", "Hồ Chí Minh"),
    ("tỉnh", "Đồng Nai"),
    ("tỉnh", "Tây Ninh"),
    ("thành phố", "Cần Thơ"),
    ("tỉnh", "Vĩnh Long"),
    ("tỉnh", "Đồng Tháp"),
    ("tỉnh", "Cà Mau"),
    ("tỉnh", "An Giang"),
)

# Departments of a province that issue their own plans (short forms people use beside them).
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("Sở Khoa học và Công nghệ", "SKHCN"),
    ("Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("Sở Nội vụ", "SNV"),
    ("Sở Tài chính", "STC"),
    ("Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("Sở Xây dựng", "SXD"),
)

# Commune and ward names are two of these syllables, as most Vietnamese place names are.
FIRST_SYLLABLES: tuple[str, ...] = (
    "An", "Bảo", "Bình", "Cát", "Chánh", "Diên", "Đại", "Đăng", "Định", "Đông", "Đức", "Gia", "Hạnh", "Hiệp",
    "Hòa", "Hoài", "Hồng", "Hưng", "Hương", "Khánh", "Kiến", "Kim", "Lạc", "Lai", "Lãng", "Liên", "Long", "Lộc",
    "Lương", "Minh", "Mỹ", "Nghĩa", "Ngọc", "Nhân", "Nhơn", "Phong", "Phú", "Phúc", "Phước", "Quảng", "Quế",
    "Quỳnh", "Sông", "Tam", "Tân", "Thạch", "Thái", "Thạnh", "Thiệu", "Thọ", "Thuận", "Thượng", "Tiên", "Trà",
    "Triệu", "Trung", "Tường", "Vạn", "Văn", "Vĩnh", "Xuân", "Yên",
)  # fmt: skip
SECOND_SYLLABLES: tuple[str, ...] = (
    "An", "Bằng", "Bích", "Cầu", "Châu", "Chính", "Cường", "Điền", "Định", "Đoài", "Dương", "Giang", "Hà",
    "Hải", "Hạnh", "Hậu", "Hiền", "Hòa", "Hội", "Hợp", "Hưng", "Khê", "Khương", "Lạc", "Lâm", "Lập", "Lễ",
    "Lĩnh", "Lộc", "Lợi", "Lương", "Mậu", "Mỹ", "Nghĩa", "Ngọc", "Nhuận", "Phong", "Phú", "Phúc", "Phước",
    "Quang", "Quý", "Sơn", "Tài", "Tâm", "Thắng", "Thanh", "Thành", "Thịnh", "Thọ", "Thới", "Thuận", "Thủy",
    "Tiến", "Toàn", "Trạch", "Trị", "Trường", "Tường", "Uyên", "Vinh", "Xá", "Yên",
)  # fmt: skip
